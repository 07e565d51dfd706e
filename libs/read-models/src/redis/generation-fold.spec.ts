import fc from 'fast-check';
import type { StoredEvent } from '@zan/contracts';
import type { Change } from '../projection';
import { applyChange, applyCommand, hincrbyIn, hsetIn, snapshotOf as snapshot, type RedisModel as Model } from '../testing/redis-model';
import { GenerationFold, WrittenKeys, type FoldOutput } from './generation-fold';
import { shards } from './shards';

/** One event as ApplyScript applies it: its changes over the shards, its dedupe records, its counters. */
const applyEvent = (model: Model, category: string, event: StoredEvent, changes: Change[] | undefined) => {
  const home = shards.of(event.streamId);
  const touched = new Set([home]);
  if (changes === undefined) for (let shard = 0; shard < shards.count; shard++) touched.add(shard);
  else
    shards.placeEach(changes, home, (shard, change) => {
      touched.add(shard);
      applyChange(model, change, `${shard}|${change.key}`);
    });
  for (const shard of touched) hsetIn(model, `${shard}|applied:${category}`, event.streamId, String(event.revision));
  const kind = changes === undefined ? 'skipped' : 'applied';
  hincrbyIn(model, `${home}|stats`, kind, 1);
  hincrbyIn(model, `${home}|stats`, `${kind}:${category}`, 1);
};

const applyCommands = (model: Model, fold: GenerationFold, written: WrittenKeys) => {
  let named: string[] = [];
  const out: FoldOutput = {
    key: (shard, logical) => named.push(`${shard}|${logical}`) - 1,
    command: ([name, index, ...args]) => applyCommand(model, name, named[index]!, args),
  };
  fold.commands(out, (shard, logical) => {
    const fresh = written.fresh(shard, logical);
    // What the fold takes for empty must be empty.
    if (fresh) expect(model.get(`${shard}|${logical}`)?.size ?? 0).toBe(0);
    return fresh;
  });
  named = [];
};

let item = 0;
/**
 * Events as the projections make them (balances, fields set once, a ranking placed by member, claims,
 * feeds added to and trimmed, a per-event aggregate), now and then one no projection can apply, and
 * runs a fold cannot take: a trimmed set whose scores move, an add after a trim (a counter set to text
 * and incremented fails in Redis too).
 */
const events = (feedLength: number) => {
  const amount = fc.integer({ min: -5000, max: 5000 });
  const field = fc.constantFrom('balance', 'total', 'tips');
  const user = fc.constantFrom('u1', 'u2', 'u3', 'u4');
  const changes = fc.oneof(
    { weight: 40, arbitrary: fc.tuple(user, field, amount).map(([u, f, by]): Change[] => [{ op: 'hincrby', key: `wallet:${u}`, field: f, by }]) },
    {
      weight: 10,
      arbitrary: fc
        .tuple(user, fc.constantFrom('individual', 'business'))
        .map(([u, kind]): Change[] => [{ op: 'hset', key: `wallet:${u}`, values: { userId: u, kind } }]),
    },
    { weight: 10, arbitrary: fc.tuple(user, field, amount).map(([u, f, value]): Change[] => [{ op: 'hset', key: `wallet:${u}`, values: { [f]: value } }]) },
    {
      weight: 10,
      arbitrary: fc.tuple(user, amount).map(([u, by]): Change[] => [
        { op: 'zincrby', key: 'leaderboard:authors', member: u, by },
        { op: 'hincrby', key: 'stats-day:d1', field: 'tips', by: 1 },
      ]),
    },
    {
      weight: 10,
      arbitrary: fc
        .tuple(user, fc.integer({ min: 0, max: 20 }))
        .map(([u, revision]): Change[] => [{ op: 'zadd', key: 'red-packet-claims:p1', score: revision, member: `[${revision},"${u}"]` }]),
    },
    {
      weight: 30,
      arbitrary: user.map((u): Change[] => [
        { op: 'zadd', key: `feed:${u}`, score: 0, member: `${String(++item).padStart(8, '0')}|item` },
        { op: 'ztrim', key: `feed:${u}`, keep: feedLength },
      ]),
    },
    { weight: 10, arbitrary: fc.constant<Change[] | undefined>(undefined) },
    // What a fold cannot take (rarely: each forces the slow path).
    { weight: 4, arbitrary: user.map((u): Change[] => [{ op: 'zincrby', key: `feed:${u}`, member: 'moved', by: 1 }]) },
    { weight: 4, arbitrary: user.map((u): Change[] => [{ op: 'zadd', key: `feed:${u}`, score: 0, member: ` late${++item}` }]) },
    // ... after changes that fold: the fold must put those back.
    {
      weight: 4,
      arbitrary: fc.tuple(user, amount).map(([u, by]): Change[] => [
        { op: 'hincrby', key: `wallet:${u}`, field: 'balance', by },
        { op: 'zadd', key: `feed:${u}`, score: 0, member: `${String(++item).padStart(8, '0')}|item` },
        { op: 'zadd', key: `feed:${u}`, score: 0, member: ` late${++item}` },
      ]),
    },
    {
      weight: 4,
      arbitrary: fc.tuple(user, amount).map(([u, by]): Change[] => [
        { op: 'hincrby', key: `wallet:${u}`, field: 'balance', by },
        { op: 'hset', key: `wallet:${u}`, values: { kind: 'business' } },
        { op: 'zincrby', key: `feed:${u}`, member: 'moved', by: 1 },
      ]),
    },
  );
  return fc.array(fc.tuple(user, changes), { minLength: 1, maxLength: 60 });
};

describe('GenerationFold', () => {
  it('events folded into windows leave what they leave applied one by one, dedupe records and counters included', () => {
    const runs = fc
      .integer({ min: 1, max: 4 })
      .chain((feedLength) =>
        fc.tuple(events(feedLength), fc.array(fc.integer({ min: 1, max: 15 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 5, max: 60 })),
      );
    fc.assert(
      fc.property(runs, ([history, pageSizes, windowEntries]) => {
        const revisions = new Map<string, number>();
        const stored = history.map(([user, changes], i) => {
          const streamId = `wallet-${user}`;
          const revision = revisions.get(streamId) ?? 0;
          revisions.set(streamId, revision + 1);
          const event = { id: `e${i}`, type: 'X', version: 1, streamId, revision, position: BigInt(i + 1), occurredAt: '', data: {}, metadata: {} };
          return { event: event as unknown as StoredEvent, changes };
        });
        const oneByOne: Model = new Map();
        for (const { event, changes } of stored) {
          applyEvent(oneByOne, 'wallet', event, changes);
        }
        // As GenerationBuild: events folded into the window, written when it is full after a page;
        // an event that does not fold with the window is folded into a new one after writing it, and
        // one that does not fold even alone is applied by itself.
        const folded: Model = new Map();
        const written = new WrittenKeys(8);
        let window = new GenerationFold();
        const flush = () => {
          applyCommands(folded, window, written);
          window = new GenerationFold();
        };
        for (let start = 0, p = 0; start < stored.length; start += pageSizes[p++ % pageSizes.length]!) {
          const page = stored.slice(start, start + pageSizes[p % pageSizes.length]!);
          for (const { event, changes } of page) {
            if (window.addEvent('wallet', event, changes)) continue;
            flush();
            if (window.addEvent('wallet', event, changes)) continue;
            written.saturate();
            applyEvent(folded, 'wallet', event, changes);
          }
          if (window.entries >= windowEntries) flush();
        }
        flush();
        expect(snapshot(folded)).toEqual(snapshot(oneByOne));
      }),
      { numRuns: 400 },
    );
  });

  it('counts the entries it holds, and writes a fresh key in one command', () => {
    const event = (revision: number) => ({ streamId: 'wallet-u1', revision, position: BigInt(revision + 1) }) as StoredEvent;
    const window = new GenerationFold();
    expect(window.addEvent('wallet', event(0), [{ op: 'hincrby', key: 'wallet:u1', field: 'balance', by: 10 }])).toBe(true);
    expect(
      window.addEvent('wallet', event(1), [
        { op: 'hincrby', key: 'wallet:u1', field: 'balance', by: 5 },
        { op: 'hset', key: 'wallet:u1', values: { kind: 'individual' } },
      ]),
    ).toBe(true);
    // balance, kind; one dedupe record in each of two shards at most (the counters are a few per category, not counted).
    const shardsTouched = new Set([shards.of('wallet-u1'), shards.of('u1')]).size;
    expect(window.entries).toBe(2 + shardsTouched);
    expect(window.events).toBe(2);
    expect(window.mark).toBe(2n);
    expect(commandsOf(window, true)).toContainEqual(['hset', 'wallet:u1', 'balance', '15', 'kind', 'individual']);
    expect(commandsOf(window, false)).toContainEqual(['hincrby', 'wallet:u1', 'balance', '15']);
  });

  it('refuses an event that does not fold with what it holds, and puts back what the event had changed', () => {
    const event = (revision: number) => ({ streamId: 'wallet-u1', revision, position: BigInt(revision + 1) }) as StoredEvent;
    const window = new GenerationFold();
    window.addEvent('wallet', event(0), [
      { op: 'hincrby', key: 'wallet:u1', field: 'balance', by: 10 },
      { op: 'zadd', key: 'feed:u1', score: 0, member: 'a' },
      { op: 'ztrim', key: 'feed:u1', keep: 1 },
    ]);
    const state = () => {
      const commands = commandsOf(window, true); // first: writing folds the counters in
      return { entries: window.entries, events: window.events, mark: window.mark, commands };
    };
    const before = state();
    // Its first changes fold, its last does not: an add after the trim, with no trim after it.
    expect(
      window.addEvent('wallet', event(1), [
        { op: 'hincrby', key: 'wallet:u1', field: 'balance', by: 5 },
        { op: 'hset', key: 'wallet:u2', values: { kind: 'individual' } },
        { op: 'zadd', key: 'feed:u1', score: 0, member: 'b' },
      ]),
    ).toBe(false);
    expect(window.addEvent('wallet', event(1), [{ op: 'zincrby', key: 'feed:u1', member: 'a', by: 1 }])).toBe(false);
    expect(state()).toEqual(before);
    // Alone it folds.
    expect(new GenerationFold().addEvent('wallet', event(1), [{ op: 'zadd', key: 'feed:u1', score: 0, member: 'b' }])).toBe(true);
  });
});

const commandsOf = (fold: GenerationFold, fresh: boolean): unknown[] => {
  const commands: unknown[] = [];
  fold.commands({ key: (_shard, logical) => logical as unknown as number, command: (command) => commands.push(command) }, () => fresh);
  return commands;
};
