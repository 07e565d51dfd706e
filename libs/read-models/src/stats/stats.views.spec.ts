import { SortedSet } from '../memory/sorted-set';
import { LUCKY_CLAIMS_PER_DAY } from './stats.projection';
import { bestLuck, luckyClaimOf } from './stats.views';

describe('bestLuck', () => {
  // A day's luckiest live in one sorted set in a replay, and in shards (each trimmed to the same
  // length) in Redis: with ties at the cut, both must answer the same claims.
  it('answers the same from one trimmed set as from shards each trimmed alike, ties included', () => {
    const members = Array.from({ length: 40 }, (_, i) => JSON.stringify([`packet-${(i * 7919) % 97}`, `user-${i}`, 100 + i]));
    const luck = (i: number) => (i % 4 === 0 ? 500 + (i % 5) : 1000); // thirty ties at the top, in every shard
    const whole = new SortedSet();
    const shards = [new SortedSet(), new SortedSet(), new SortedSet()];
    members.forEach((member, i) => {
      whole.add(member, luck(i));
      whole.keepHighest(LUCKY_CLAIMS_PER_DAY);
      const shard = shards[i % shards.length]!;
      shard.add(member, luck(i));
      shard.keepHighest(LUCKY_CLAIMS_PER_DAY);
    });
    const claimsOf = (sets: SortedSet[]) =>
      sets.flatMap((set) => set.highest(Number.MAX_SAFE_INTEGER).map(({ member, score }) => luckyClaimOf('2026-12-06', member, score)));
    for (const limit of [1, 5, LUCKY_CLAIMS_PER_DAY]) expect(bestLuck(claimsOf(shards), limit)).toEqual(bestLuck(claimsOf([whole]), limit));
  });
});
