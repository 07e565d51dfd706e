import type { DomainEvent } from '@zan/contracts';
import type { Command } from '../decider';
import { RedPacketNotFound } from '../errors';
import { requireId, requireInstant } from '../validation';
import { requireSamePacket, type RedPacketState } from './red-packet.state';

/** Sent by the scheduler at or after expiresAt, any number of times. */
export type ExpireRedPacket = Command<'ExpireRedPacket', { redPacketId: string; now: string }>;

/** Exactly one refund: only an open packet past its expiry emits; every other call is a no-op. */
export const decideExpireRedPacket = ({ data }: ExpireRedPacket, state: RedPacketState): DomainEvent<'RedPacketExpired'>[] => {
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
