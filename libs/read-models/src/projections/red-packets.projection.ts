import type { RedPacketMode } from '@zan/contracts';
import { keys } from '../keys';
import { isEventOf, type Change, type Projection } from '../projection';
import type { RedPacketClaimView, RedPacketStatus, RedPacketView } from '../views';
import { intField, type RawHash } from './raw';

/**
 * red-packet:<id> holds what the escrow fixes plus counters (claimedAmount, claimedShares, refunded)
 * and an `expired` flag; red-packet-claims:<id> is a sorted set of claims scored by revision.
 * Status and remaining are derived when read, never stored, so no late event can make them regress:
 * expired wins, then exhausted (every share claimed), else open; remaining = amount - claimed - refunded.
 */
export const redPacketsProjection: Projection = {
  name: 'red-packets',
  project(event) {
    if (isEventOf(event, 'RedPacketEscrowed')) {
      const { redPacketId, senderId, amount, shares, mode, greeting, expiresAt } = event.data;
      const values: Record<string, string | number> = { redPacketId, senderId, amount, shares, mode, expiresAt };
      if (greeting !== undefined) values.greeting = greeting;
      return [{ op: 'hset', key: keys.redPacket(redPacketId), values }];
    }
    if (isEventOf(event, 'RedPacketClaimed')) {
      const { redPacketId, userId, amount } = event.data;
      const key = keys.redPacket(redPacketId);
      const changes: Change[] = [
        { op: 'hincrby', key, field: 'claimedAmount', by: amount },
        { op: 'hincrby', key, field: 'claimedShares', by: 1 },
        // The revision orders claims and keeps each claim a distinct member.
        { op: 'zadd', key: keys.redPacketClaims(redPacketId), score: event.revision, member: JSON.stringify([event.revision, userId, amount]) },
      ];
      return changes;
    }
    if (isEventOf(event, 'RedPacketExpired')) {
      const key = keys.redPacket(event.data.redPacketId);
      return [
        { op: 'hincrby', key, field: 'refunded', by: event.data.amount },
        { op: 'hset', key, values: { expired: 1 } },
      ];
    }
    return [];
  },
};

/** `claims` are the members of red-packet-claims:<id> in score order. Undefined until the escrow is applied. */
export const redPacketView = (redPacketId: string, hash: RawHash, claims: string[]): RedPacketView | undefined => {
  if (hash.senderId === undefined) return undefined;
  const amount = intField(hash, 'amount');
  const shares = intField(hash, 'shares');
  const claimed: RedPacketClaimView[] = claims.map((member) => {
    const [, userId, share] = JSON.parse(member) as [number, string, number];
    return { userId, amount: share };
  });
  const status: RedPacketStatus = hash.expired !== undefined ? 'expired' : intField(hash, 'claimedShares') >= shares ? 'exhausted' : 'open';
  const view: RedPacketView = {
    redPacketId,
    senderId: hash.senderId,
    amount,
    shares,
    claimed,
    remaining: amount - intField(hash, 'claimedAmount') - intField(hash, 'refunded'),
    status,
    expiresAt: hash.expiresAt ?? '',
    mode: hash.mode as RedPacketMode,
  };
  if (hash.greeting !== undefined) view.greeting = hash.greeting;
  return view;
};
