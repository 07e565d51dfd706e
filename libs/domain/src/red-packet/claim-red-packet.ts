import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { InvalidCommand, NotARecipient, RedPacketAlreadyClaimed, RedPacketGone, RedPacketNotFound } from '../errors';
import { requireId, requireInstant } from '../validation';
import { drawShare } from './draw-share';
import { requireSamePacket, type RedPacketState } from './red-packet.state';

/** `now` is an ISO instant; `random` returns a number in [0, 1) and is called at most once. */
export type ClaimRedPacket = Command<'ClaimRedPacket', { redPacketId: string; userId: string; now: string; random: () => number }>;

/**
 * Checks in this order: unknown (404), not a recipient (403), already claimed (409), gone (410).
 * A recipient who already claimed hears 409 even once the packet is gone: it tells them they got
 * their share. Someone not on the list hears 403 whatever the packet's state.
 */
export const decideClaimRedPacket = ({ data }: ClaimRedPacket, state: RedPacketState): DomainEvent<'RedPacketClaimed'>[] => {
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
