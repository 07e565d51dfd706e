import { keys, placementOf } from '../keys';
import type { Change } from '../projection';
import { SHARDS, shards, slotOf, tagOf } from './shards';

describe('Shards', () => {
  it('computes the slot Redis Cluster gives a key, hash tags included (values from CLUSTER KEYSLOT)', () => {
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('somekey')).toBe(11058);
    expect(slotOf('{user1000}.following')).toBe(3443);
    expect(slotOf('中文')).toBe(13257);
    expect(slotOf('a{}b')).toBe(slotOf('a{}b')); // an empty tag hashes the whole key
  });

  it('spreads the shards evenly over the slots: one per sixteenth, so any contiguous ranges share them', () => {
    const slots = shards.tags.map((tag) => slotOf(`${tag}:x`));
    slots.forEach((slot, shard) => expect(Math.floor((slot * SHARDS) / 16384)).toBe(shard));
    expect(slotOf(`zan:g0:${shards.control('watermark')}`)).toBe(slotOf(`zan:${shards.controlTag}generation`));
  });

  it('places an entity by its id, an aggregate by the event, a ranking by member', () => {
    const home = 5;
    const changes: Change[] = [
      { op: 'hincrby', key: keys.wallet('alice'), field: 'balance', by: 1 },
      { op: 'hincrby', key: keys.earnings('alice'), field: 'total', by: 1 },
      { op: 'hincrby', key: keys.statsDay('2026-12-06'), field: 'events', by: 1 },
      { op: 'zincrby', key: keys.authorLeaderboard, member: 'alice', by: 1 },
      { op: 'zadd', key: keys.statsLuck('2026-12-06'), member: 'm', score: 3 },
      { op: 'ztrim', key: keys.statsLuck('2026-12-06'), keep: 10 },
    ];
    const placed = shards.place(changes, home);
    const alice = shards.of('alice');
    expect(placed.map((p) => p.shard)).toEqual([alice, alice, home, alice, home, home]);
    for (const { shard, change } of placed) expect(tagOf(change.key)).toBe(shards.tags[shard]);
    expect([keys.wallet('x'), keys.statsMoney, keys.authorLeaderboard, 'group-buy:g1'].map(placementOf)).toEqual(['entity', 'event', 'member', 'entity']);
    expect(shards.readsOf(keys.statsMoney)).toHaveLength(SHARDS);
    expect(shards.readsOf(keys.feed('bob'))).toEqual([shards.in(shards.of('bob'), keys.feed('bob'))]);
  });

  it('trims a ranking where the event added to it, and refuses a hash write to one', () => {
    const placed = shards.place(
      [
        { op: 'zadd', key: keys.statsAuthors('d'), member: 'bob', score: 1 },
        { op: 'ztrim', key: keys.statsAuthors('d'), keep: 3 },
      ],
      0,
    );
    expect(placed.map((p) => p.shard)).toEqual([shards.of('bob'), shards.of('bob')]);
    expect(() => shards.place([{ op: 'hset', key: keys.authorLeaderboard, values: { a: 1 } }], 0)).toThrow(/ranking/);
  });
});
