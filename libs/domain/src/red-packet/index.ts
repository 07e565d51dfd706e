export { initialState, evolve, type NoRedPacket, type RedPacket, type RedPacketEvent, type RedPacketState, type RedPacketStatus } from './red-packet.state';
export { decide, redPacketDecider, type RedPacketCommand } from './red-packet.decider';
export { decideEscrowRedPacket, type EscrowRedPacket } from './escrow-red-packet';
export { decideClaimRedPacket, type ClaimRedPacket } from './claim-red-packet';
export { decideExpireRedPacket, type ExpireRedPacket } from './expire-red-packet';
export { drawShare, type Undrawn } from './draw-share';
