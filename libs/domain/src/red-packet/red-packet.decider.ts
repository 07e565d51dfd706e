import { DEFAULT_CONTEXT, type DecideContext, type Decider } from '../decider';
import { InvalidCommand } from '../errors';
import { decideClaimRedPacket, type ClaimRedPacket } from './claim-red-packet';
import { decideEscrowRedPacket, type EscrowRedPacket } from './escrow-red-packet';
import { decideExpireRedPacket, type ExpireRedPacket } from './expire-red-packet';
import { evolve, initialState, type RedPacketEvent, type RedPacketState } from './red-packet.state';

/** Every command decided on a `red-packet-<id>` stream, one file each in this folder. */
export type RedPacketCommand = EscrowRedPacket | ClaimRedPacket | ExpireRedPacket;

/** Limits are not needed on this stream (see escrow-red-packet.ts), so the context is unused. */
export const decide = (command: RedPacketCommand, state: RedPacketState, _context: DecideContext = DEFAULT_CONTEXT): RedPacketEvent[] => {
  switch (command.type) {
    case 'EscrowRedPacket':
      return decideEscrowRedPacket(command, state);
    case 'ClaimRedPacket':
      return decideClaimRedPacket(command, state);
    case 'ExpireRedPacket':
      return decideExpireRedPacket(command, state);
    default:
      throw new InvalidCommand(`unknown red packet command ${(command as { type?: unknown }).type as string}`);
  }
};

export const redPacketDecider: Decider<RedPacketCommand, RedPacketState, RedPacketEvent> = { initialState, evolve, decide };
