import type { DomainEvent, RedPacketSent } from '@zan/contracts';
import { DEFAULT_CONTEXT, type Command, type DecideContext, type Decider } from '../decider';
import { InvalidCommand, NotARecipient, RedPacketAlreadyClaimed, RedPacketGone, RedPacketNotFound } from '../errors';
import { requireCount, requireId, requireInstant, requirePayable } from '../validation';
import { drawShare } from './draw-share';
import { evolve, initialState, type RedPacket, type RedPacketState } from './red-packet.state';

/** Caused by RedPacketSent on the sender's wallet (a process manager). */
export type EscrowRedPacket = Command<'EscrowRedPacket', { packet: RedPacketSent }>;
/** `now` is an ISO instant; `random` returns a number in [0, 1) and is called at most once. */
export type ClaimRedPacket = Command<'ClaimRedPacket', { redPacketId: string; userId: string; now: string; random: () => number }>;
/** Sent by the scheduler at or after expiresAt, any number of times. */
export type ExpireRedPacket = Command<'ExpireRedPacket', { redPacketId: string; now: string }>;

export type RedPacketCommand = EscrowRedPacket | ClaimRedPacket | ExpireRedPacket;
export type RedPacketEvent = DomainEvent<'RedPacketEscrowed' | 'RedPacketClaimed' | 'RedPacketExpired'>;

const requireSamePacket = (state: RedPacket, redPacketId: string): void => {
  if (state.redPacketId !== redPacketId) throw new InvalidCommand(`command for packet ${redPacketId} was decided on packet ${state.redPacketId}`);
};

const sameTerms = (state: RedPacket, packet: RedPacketSent): boolean =>
  state.senderId === packet.senderId &&
  state.amount === packet.amount &&
  state.shares === packet.shares &&
  state.mode === packet.mode &&
  state.expiresAt === packet.expiresAt;

/**
 * Limits are not applied again: they were checked when the money left the wallet, and the escrow
 * must hold whatever was debited even if the limits changed since. Only the shape is checked.
 */
const escrow = ({ packet }: EscrowRedPacket['data'], state: RedPacketState): RedPacketEvent[] => {
  if (typeof packet !== 'object' || packet === null) throw new InvalidCommand('packet must be a RedPacketSent payload');
  const redPacketId = requireId(packet.redPacketId, 'packet.redPacketId');
  if (state.status !== 'none') {
    requireSamePacket(state, redPacketId);
    // The same id with other terms would be a second debit swallowed silently: surface it instead.
    if (!sameTerms(state, packet)) throw new InvalidCommand(`packet ${redPacketId} was already escrowed with other terms`);
    return [];
  }
  const senderId = requireId(packet.senderId, 'packet.senderId');
  const amount = requirePayable(packet.amount, 'packet.amount');
  const shares = requireCount(packet.shares, 'packet.shares');
  if (shares < 1 || amount < shares) throw new InvalidCommand(`packet ${redPacketId}: ${amount} fen cannot make ${shares} shares of at least 1 fen`);
  const { mode, greeting, recipients, expiresAt } = packet;
  if (mode !== 'lucky' && mode !== 'equal') throw new InvalidCommand('packet.mode must be lucky or equal');
  requireInstant(expiresAt, 'packet.expiresAt');
  if (recipients !== undefined && !Array.isArray(recipients)) throw new InvalidCommand('packet.recipients must be a list');
  return [
    {
      type: 'RedPacketEscrowed',
      data: {
        redPacketId,
        senderId,
        amount,
        shares,
        mode,
        ...(greeting !== undefined && { greeting }),
        ...(recipients !== undefined && { recipients: [...recipients] }),
        expiresAt,
      },
    },
  ];
};

/**
 * Checks in this order: unknown (404), not a recipient (403), already claimed (409), gone (410).
 * A recipient who already claimed hears 409 even once the packet is gone: it tells them they got
 * their share. Someone not on the list hears 403 whatever the packet's state.
 */
const claim = (data: ClaimRedPacket['data'], state: RedPacketState): RedPacketEvent[] => {
  const redPacketId = requireId(data.redPacketId, 'redPacketId');
  const userId = requireId(data.userId, 'userId');
  const now = requireInstant(data.now, 'now');
  if (state.status === 'none') throw new RedPacketNotFound(`no red packet ${redPacketId}`);
  requireSamePacket(state, redPacketId);
  if (state.recipients && !state.recipients.has(userId)) throw new NotARecipient(`${userId} is not a recipient of red packet ${redPacketId}`);
  if (state.claims.has(userId)) throw new RedPacketAlreadyClaimed(`${userId} already claimed red packet ${redPacketId}`);
  if (state.status === 'exhausted') throw new RedPacketGone(`red packet ${redPacketId} has no shares left`);
  if (state.status === 'expired' || now >= Date.parse(state.expiresAt)) throw new RedPacketGone(`red packet ${redPacketId} has expired`);
  if (typeof data.random !== 'function') throw new InvalidCommand('random must be a function');
  const amount = drawShare(state, data.random);
  return [
    {
      type: 'RedPacketClaimed',
      data: {
        redPacketId,
        senderId: state.senderId,
        userId,
        amount,
        remainingAmount: state.remainingAmount - amount,
        remainingShares: state.remainingShares - 1,
      },
    },
  ];
};

/** Exactly one refund: only an open packet past its expiry emits; every other call is a no-op. */
const expire = (data: ExpireRedPacket['data'], state: RedPacketState): RedPacketEvent[] => {
  const redPacketId = requireId(data.redPacketId, 'redPacketId');
  const now = requireInstant(data.now, 'now');
  // Not found rather than a no-op: the escrow may not have happened yet, and the scheduler must retry.
  if (state.status === 'none') throw new RedPacketNotFound(`no red packet ${redPacketId}`);
  requireSamePacket(state, redPacketId);
  if (state.status !== 'open' || now < Date.parse(state.expiresAt)) return [];
  return [
    {
      type: 'RedPacketExpired',
      data: { redPacketId, senderId: state.senderId, amount: state.remainingAmount, remainingShares: state.remainingShares },
    },
  ];
};

/** The packet stream's decider. Limits are not needed here (see escrow), so the context is unused. */
export const decide = (command: RedPacketCommand, state: RedPacketState, _context: DecideContext = DEFAULT_CONTEXT): RedPacketEvent[] => {
  switch (command.type) {
    case 'EscrowRedPacket':
      return escrow(command.data, state);
    case 'ClaimRedPacket':
      return claim(command.data, state);
    case 'ExpireRedPacket':
      return expire(command.data, state);
    default:
      throw new InvalidCommand(`unknown red packet command ${(command as { type?: unknown }).type as string}`);
  }
};

export const redPacketDecider: Decider<RedPacketCommand, RedPacketState, RedPacketEvent> = { initialState, evolve, decide };
