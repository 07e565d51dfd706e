import fc from 'fast-check';
import type { Change } from '@zan/read-models';
import { KeyValueState, compareUtf8 } from './key-value-state';

/** Redis's ZREMRANGEBYRANK at every trim, no shortcut: what the deferred trims must equal. */
const eager = (changes: Change[]): Map<string, Map<string, number>> => {
  const sets = new Map<string, Map<string, number>>();
  const set = (key: string) => sets.get(key) ?? sets.set(key, new Map()).get(key)!;
  for (const c of changes) {
    if (c.op === 'zadd') set(c.key).set(c.member, c.score);
    if (c.op === 'zincrby') set(c.key).set(c.member, (set(c.key).get(c.member) ?? 0) + c.by);
    if (c.op === 'ztrim') {
      const entries = [...set(c.key).entries()].sort(([ma, sa], [mb, sb]) => sa - sb || compareUtf8(ma, mb));
      for (const [member] of entries.slice(0, Math.max(0, entries.length - c.keep))) set(c.key).delete(member);
    }
  }
  return sets;
};

describe('KeyValueState (the file target of a replay)', () => {
  it('applies hash changes as Redis does', () => {
    const state = new KeyValueState();
    state.apply({ op: 'hset', key: 'wallet:a', values: { userId: 'a', kind: 'individual' } });
    state.apply({ op: 'hincrby', key: 'wallet:a', field: 'balance', by: 500 });
    state.apply({ op: 'hincrby', key: 'wallet:a', field: 'balance', by: -120 });
    expect([...state.dump()]).toEqual([{ key: 'wallet:a', hash: { balance: '380', kind: 'individual', userId: 'a' } }]);
  });

  it('orders members by UTF-8 bytes, as Redis does, not by UTF-16 units', () => {
    const astral = '\u{1F600}'; // a surrogate pair in UTF-16, 0xF0... in UTF-8
    const high = '\uFF01'; // 0xEF... in UTF-8, above the surrogates in UTF-16
    expect(compareUtf8(high, astral)).toBeLessThan(0);
    expect(Buffer.compare(Buffer.from(high), Buffer.from(astral))).toBeLessThan(0);
  });

  it('gives what trimming at every step gives, whatever the mix of adds, increments and trims', () => {
    const change = fc.oneof(
      fc.record({
        op: fc.constant('zadd' as const),
        key: fc.constantFrom('f', 'g'),
        member: fc.string({ maxLength: 3 }),
        score: fc.integer({ min: -2, max: 2 }),
      }),
      fc.record({
        op: fc.constant('zincrby' as const),
        key: fc.constantFrom('f', 'g'),
        member: fc.string({ maxLength: 3 }),
        by: fc.integer({ min: -3, max: 3 }),
      }),
      fc.record({ op: fc.constant('ztrim' as const), key: fc.constantFrom('f', 'g'), keep: fc.integer({ min: 1, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(change, { maxLength: 80 }), (changes) => {
        const state = new KeyValueState();
        changes.forEach((c) => state.apply(c));
        const expected = [...eager(changes).entries()]
          .filter(([, members]) => members.size > 0)
          .sort(([a], [b]) => compareUtf8(a, b))
          .map(([key, members]) => ({ key, zset: [...members.entries()].sort(([ma, sa], [mb, sb]) => sa - sb || compareUtf8(ma, mb)) }));
        expect([...state.dump()]).toEqual(expected);
      }),
      { seed: Number(process.env.FC_SEED ?? 42), numRuns: Number(process.env.FC_RUNS ?? 300) },
    );
  });

  it('loads what it dumped', () => {
    const state = new KeyValueState();
    state.apply({ op: 'zadd', key: 'feed:a', score: 0, member: '002|x' });
    state.apply({ op: 'zadd', key: 'feed:a', score: 0, member: '001|y' });
    state.apply({ op: 'hset', key: 'red-packet:p', values: { amount: 100 } });
    const copy = new KeyValueState();
    for (const entry of state.dump()) copy.load(entry);
    expect([...copy.dump()]).toEqual([...state.dump()]);
  });
});
