import fc from 'fast-check';
import type { Change } from '../projection';
import { applyChange, applyCommand, snapshotOf as snapshot, type RedisModel as Model } from '../testing/redis-model';
import { CannotFold, ChangeFold, bulkApplyArgs } from './change-fold';

/**
 * Changes as the projections make them: balances and counters (hincrby), fields set once (hset), a
 * leaderboard (zincrby), claims (zadd by revision), feeds (zadd of a new member at 0, then a trim).
 */
let item = 0;
const changes = (feedLength: number) => {
  const amount = fc.integer({ min: -5000, max: 5000 });
  const field = fc.constantFrom('balance', 'total', 'tips', 'article-total:a1');
  const user = fc.constantFrom('u1', 'u2', 'u3');
  const change = fc.oneof(
    fc.tuple(user, field, amount).map(([u, f, by]): Change[] => [{ op: 'hincrby', key: `wallet:${u}`, field: f, by }]),
    fc.tuple(user, fc.constantFrom('individual', 'business')).map(([u, kind]): Change[] => [{ op: 'hset', key: `wallet:${u}`, values: { userId: u, kind } }]),
    fc.tuple(user, field, amount).map(([u, f, value]): Change[] => [{ op: 'hset', key: `wallet:${u}`, values: { [f]: value } }]),
    fc.tuple(user, amount).map(([u, by]): Change[] => [{ op: 'zincrby', key: 'leaderboard:authors', member: u, by }]),
    fc
      .tuple(user, fc.integer({ min: 0, max: 20 }))
      .map(([u, revision]): Change[] => [{ op: 'zadd', key: 'red-packet-claims:p1', score: revision, member: `[${revision},"${u}"]` }]),
    user.map((u): Change[] => [
      { op: 'zadd', key: `feed:${u}`, score: 0, member: `${String(++item).padStart(8, '0')}|item` },
      { op: 'ztrim', key: `feed:${u}`, keep: feedLength },
    ]),
  );
  return fc.array(change, { maxLength: 80 }).map((runs) => runs.flat());
};

describe('ChangeFold', () => {
  it('leaves the same state as the changes applied one by one, on top of any earlier state', () => {
    const runs = fc.integer({ min: 1, max: 5 }).chain((feedLength) => fc.tuple(changes(feedLength), changes(feedLength)));
    fc.assert(
      fc.property(runs, ([before, batch]) => {
        const [oneByOne, folded] = [new Map() as Model, new Map() as Model];
        for (const change of before) [oneByOne, folded].forEach((model) => applyChange(model, change));
        for (const change of batch) applyChange(oneByOne, change);
        const fold = new ChangeFold();
        for (const change of batch) fold.add(change);
        for (const [name, key, ...args] of fold.commands((key) => key)) applyCommand(folded, name, key, args);
        expect(snapshot(folded)).toEqual(snapshot(oneByOne));
      }),
      { numRuns: 300 },
    );
  });

  it('folds a run into one command per key and field kind', () => {
    const fold = new ChangeFold();
    for (let i = 0; i < 50; i++) {
      fold.add({ op: 'hincrby', key: 'wallet:u1', field: 'balance', by: 10 });
      fold.add({ op: 'zadd', key: 'feed:u1', score: 0, member: `m${i}` });
      fold.add({ op: 'ztrim', key: 'feed:u1', keep: 3 });
    }
    fold.add({ op: 'hset', key: 'wallet:u1', values: { userId: 'u1', kind: 'individual' } });
    expect(fold.commands((key) => `p:${key}`)).toEqual([
      ['hincrby', 'p:wallet:u1', 'balance', '500'],
      ['hset', 'p:wallet:u1', 'userId', 'u1', 'kind', 'individual'],
      ['zadd', 'p:feed:u1', ...Array.from({ length: 50 }, (_, i) => ['0', `m${i}`]).flat()],
      ['zremrangebyrank', 'p:feed:u1', '0', '-4'],
    ]);
  });

  it('refuses what it could not fold exactly', () => {
    const refuses =
      (...run: Change[]) =>
      () => {
        const fold = new ChangeFold();
        for (const change of run) fold.add(change);
        fold.commands((key) => key);
      };
    // A trimmed set whose scores move: trimming once is no longer trimming after each change.
    expect(
      refuses({ op: 'zadd', key: 'f', score: 0, member: 'a' }, { op: 'ztrim', key: 'f', keep: 1 }, { op: 'zincrby', key: 'f', member: 'a', by: 1 }),
    ).toThrow(CannotFold);
    expect(
      refuses({ op: 'zadd', key: 'f', score: 0, member: 'a' }, { op: 'ztrim', key: 'f', keep: 1 }, { op: 'zadd', key: 'f', score: 5, member: 'a' }),
    ).toThrow(CannotFold);
    expect(refuses({ op: 'ztrim', key: 'f', keep: 1 }, { op: 'ztrim', key: 'f', keep: 2 })).toThrow(CannotFold);
    expect(refuses({ op: 'ztrim', key: 'f', keep: 1 }, { op: 'zadd', key: 'f', score: 0, member: 'late' })).toThrow(CannotFold);
    expect(refuses({ op: 'hincrby', key: 'h', field: 'n', by: Number.MAX_SAFE_INTEGER }, { op: 'hincrby', key: 'h', field: 'n', by: 1 })).toThrow(CannotFold);
    expect(refuses({ op: 'hset', key: 'h', values: { n: 'text' } }, { op: 'hincrby', key: 'h', field: 'n', by: 1 })).toThrow(CannotFold);
  });

  it('names every key once, by index, with the guard first', () => {
    const args = bulkApplyArgs('lease', 'g2', [
      ['hincrby', 'a', 'f', '1'],
      ['hincrby', 'b', 'f', '2'],
      ['set', 'a', '3'],
    ]);
    expect(args).toEqual([
      '3',
      'lease',
      'a',
      'b',
      'g2',
      JSON.stringify([
        ['hincrby', 2, 'f', '1'],
        ['hincrby', 3, 'f', '2'],
        ['set', 2, '3'],
      ]),
    ]);
  });
});
