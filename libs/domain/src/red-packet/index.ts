export { initialState, evolve, type NoRedPacket, type RedPacket, type RedPacketState, type RedPacketStatus } from './red-packet.state';
export {
  decide,
  redPacketDecider,
  type ClaimRedPacket,
  type EscrowRedPacket,
  type ExpireRedPacket,
  type RedPacketCommand,
  type RedPacketEvent,
} from './red-packet.decider';
export { drawShare, type Undrawn } from './draw-share';
export { decideSendRedPacket, redPacketExpiresAt, RECIPIENTS_PER_MAX_SHARE, type SendRedPacket } from './send-red-packet';
