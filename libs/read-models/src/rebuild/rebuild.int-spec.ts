import type { StoredEvent } from '@zan/contracts';
import Redis from 'ioredis';
import { isolation, testServers } from '../../../../test/support/isolation';
import { MemoryReadModelStore } from '../memory/memory-read-model-store';
import type { Applied, ReadModelStore } from '../read-model-store.port';
import { RedisReadModelStore } from '../redis/redis-read-model-store';
import { Workload, kafkaInterleaving, seededRandom } from '../testing/workload';
import { rebuildFromEventStore, type EventSource } from './rebuild';

jest.setTimeout(30_000);

const { redisPrefix } = isolation('rebuild');
const { redisUrl } = testServers();
const USERS = ['alice', 'bob', 'carol', 'dave'];
let admin: Redis;
let stores = 0;
const opened: RedisReadModelStore[] = [];

const newStore = (generationCacheMs = 20) => {
  const store = new RedisReadModelStore({ redis: admin, prefix: `${redisPrefix}${++stores}:`, generationCacheMs });
  opened.push(store);
  return store;
};

/** Metadata that fails any read, for reads without metadata: a store may leave it out (ReadAllOptions.withoutMetadata). */
const unreadable = new Proxy({} as StoredEvent['metadata'], {
  get: (_, field) => {
    throw new Error(`metadata.${String(field)} was read`);
  },
});

/** The event store's readAll over a list that may grow while the rebuild runs; reads without metadata count in `bare`. */
const sourceOf = (events: StoredEvent[]): EventSource & { reads: number; bare: number } => {
  const source = {
    reads: 0,
    bare: 0,
    async readAll({ after, maxCount, withoutMetadata }: { after?: bigint; maxCount?: number; withoutMetadata?: boolean }) {
      source.reads++;
      if (withoutMetadata) source.bare++;
      const from = after === undefined ? 0 : events.findIndex((e) => e.position > after);
      const page = from < 0 ? [] : events.slice(from, from + (maxCount ?? events.length));
      return withoutMetadata ? page.map((event) => ({ ...event, metadata: unreadable })) : page;
    },
  };
  return source;
};

const workload = (size: number, seed = 1): Workload => {
  const random = seededRandom(seed);
  const w = new Workload();
  USERS.forEach((u) => w.open(u));
  for (let i = 0; w.events.length < size; i++) {
    const [a, b] = [USERS[Math.floor(random() * 4)]!, USERS[Math.floor(random() * 4)]!];
    const pick = random();
    if (pick < 0.3) w.fund(a, 100 + i);
    else if (pick < 0.5 && a !== b) w.tip(a, b, `art-${i % 3}`, 500 + i);
    else if (pick < 0.7 && a !== b) w.transfer(a, b, 10 + i);
    else if (pick < 0.85) w.sendRedPacket(a, `rp-${i}`, 300, 3);
    else {
      const open = [...Array(i).keys()].map((k) => `rp-${k}`).find((id) => w.canClaim(id));
      if (open) w.claim(open, b, 50);
      else w.withdraw(a, 1);
    }
  }
  return w;
};

const packetsOf = (events: StoredEvent[]) => [
  ...new Set(events.filter((e) => e.type === 'RedPacketEscrowed').map((e) => (e.data as { redPacketId: string }).redPacketId)),
];

const views = async (store: ReadModelStore, packets: string[]) => ({
  watermark: await store.watermark(),
  wallets: await Promise.all(USERS.map((u) => store.wallet(u))),
  earnings: await Promise.all(USERS.map((u) => store.earnings(u))),
  leaderboard: await store.leaderboard(100),
  packets: await Promise.all(packets.map((p) => store.redPacket(p))),
  feeds: await Promise.all(USERS.map((u) => store.feed(u, { limit: 1000 }))),
});

const replay = async (deliveries: Applied[]) => {
  const memory = new MemoryReadModelStore();
  for (const delivery of deliveries) await memory.apply(delivery);
  return memory;
};

const generationsOf = async (store: RedisReadModelStore) =>
  [...new Set((await admin.keys(`${store.prefix}g[0-9]*`)).map((k) => k.slice(store.prefix.length).split(':')[0]))].sort();

beforeAll(() => {
  admin = new Redis(redisUrl);
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.clear();
});

afterAll(async () => {
  const left = await admin.keys(`${redisPrefix}*`);
  await admin.quit();
  expect(left).toEqual([]);
});

describe('rebuildFromEventStore', () => {
  it('replays into a new generation while the live one keeps answering and taking writes, then switches', async () => {
    const history = workload(600);
    const deliveries = history.deliveries();
    const packets = packetsOf(history.events);
    const live = newStore();
    const order = kafkaInterleaving(deliveries, seededRandom(5), 0.1);
    // The projector has applied part of history; the rest arrives while the rebuild runs.
    const applyUpTo = Math.floor(order.length * 0.6);
    for (let i = 0; i < applyUpTo; i += 50) await live.applyMany(order.slice(i, Math.min(i + 50, applyUpTo)));
    let stored = history.events.slice(0, Math.floor(history.events.length * 0.8));
    const source: EventSource = { readAll: (options) => sourceOf(stored).readAll(options) };

    let projecting = true;
    const projector = (async () => {
      const beforeSwitch = Math.floor(order.length * 0.75);
      for (let i = applyUpTo; i < beforeSwitch; i += 5) {
        await live.applyMany(order.slice(i, Math.min(i + 5, beforeSwitch)));
        await new Promise((resolve) => setImmediate(resolve));
      }
      stored = history.events; // the event store has grown meanwhile
      // The rest comes after the switch: into the new generation, where much of it is a duplicate.
      for (const deadline = Date.now() + 10_000; (await live.generation(true)) === 'g0';) {
        if (Date.now() > deadline) throw new Error('no switch');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      for (let i = beforeSwitch; i < order.length; i += 5) await live.applyMany(order.slice(i, i + 5));
      projecting = false;
    })();
    let reads = 0;
    const reader = (async () => {
      // Zero downtime: every wallet answers all along, and the watermark never goes back.
      let last = 0n;
      while (projecting || reads < 20) {
        const alice = await live.wallet('alice');
        const mark = await live.watermark();
        expect(alice?.userId).toBe('alice');
        expect(mark).toBeGreaterThanOrEqual(last);
        last = mark;
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    const progress: [number, bigint][] = [];
    const result = await rebuildFromEventStore({
      store: live,
      source,
      batchSize: 64,
      retireAfterMs: 100,
      onProgress: (applied, position) => progress.push([applied, position]),
    });
    await Promise.all([projector, reader]);

    expect(result).toEqual({ generation: 'g1', events: expect.any(Number), position: expect.any(BigInt), skipped: 0 });
    expect(result.events).toBeGreaterThanOrEqual(stored.length * 0.8);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.map(([n]) => n)).toEqual([...progress.map(([n]) => n)].sort((a, b) => a - b));
    expect(reads).toBeGreaterThan(10);
    expect(await live.generation(true)).toBe('g1');
    expect(await generationsOf(live)).toEqual(['g1']);
    expect(await views(live, packets)).toEqual(await views(await replay(deliveries), packets));
    expect((await live.status()).rebuilding).toBeUndefined();
  });

  it('leaves what the events leave when some batches go event by event and the history grows meanwhile', async () => {
    // Claims of one packet by the same user add a lucky claim whose score moves: such a batch cannot
    // be folded and goes event by event, and the folded writes after it must wait for it.
    const history = workload(600);
    const deliveries = history.deliveries();
    const packets = packetsOf(history.events);
    const live = newStore();
    await live.applyMany(deliveries);
    let stored = history.events.slice(0, Math.floor(history.events.length * 0.8));
    const source: EventSource = { readAll: (options) => sourceOf(stored).readAll(options) };
    let steps = 0;
    const result = await rebuildFromEventStore({
      store: live,
      source,
      batchSize: 64,
      retireAfterMs: 0,
      onProgress: () => {
        if (++steps === 5) stored = history.events;
      },
    });
    expect(result.events).toBe(history.events.length);
    expect(await views(live, packets)).toEqual(await views(await replay(deliveries), packets));
  });

  it('rebuilds flushed read models to what they were', async () => {
    const history = workload(300, 2);
    const packets = packetsOf(history.events);
    const live = newStore();
    for (const delivery of kafkaInterleaving(history.deliveries(), seededRandom(9), 0.3)) await live.apply(delivery);
    const before = await views(live, packets);

    await live.clear();
    expect(await live.wallet('alice')).toBeUndefined();
    const source = sourceOf(history.events);
    const result = await rebuildFromEventStore({ store: live, source, retireAfterMs: 0 });
    expect(result).toMatchObject({ events: history.events.length, position: history.events[history.events.length - 1]!.position });
    expect(await views(live, packets)).toEqual(before);
    // Every page read without metadata, which nothing read.
    expect(source.bare).toBe(source.reads);
  });

  it('opens its own store from settings, and records an event no projection can apply as skipped', async () => {
    const history = new Workload().open('alice').fund('alice', 500).fund('alice', 200).open('bob');
    (history.events[1]!.data as { amount: number }).amount = 2.5; // no projection can count half a fen
    const prefix = `${redisPrefix}${++stores}:`;
    const skippedEvents: string[] = [];
    const result = await rebuildFromEventStore({
      store: { redis: redisUrl, prefix },
      source: sourceOf(history.events),
      retireAfterMs: 0,
      onSkip: (event) => skippedEvents.push(event.id),
    });
    const reopened = new RedisReadModelStore({ redis: admin, prefix });
    opened.push(reopened);
    expect(result).toMatchObject({ generation: 'g1', events: 4, skipped: 1, position: history.events[3]!.position });
    expect(skippedEvents).toEqual([history.events[1]!.id]);
    expect(await reopened.wallet('alice')).toMatchObject({ balance: 200 });
    expect(await reopened.status()).toMatchObject({ watermark: history.events[3]!.position, applied: 3, skipped: 1 });
  });

  it('leaves the live generation alone and deletes its own when the source fails', async () => {
    const history = workload(100, 3);
    const live = newStore();
    await live.applyMany(history.deliveries());
    const before = await views(live, []);
    let reads = 0;
    const failing: EventSource = {
      async readAll(options) {
        if (++reads === 3) throw new Error('event store unreachable');
        return sourceOf(history.events).readAll(options);
      },
    };
    await expect(rebuildFromEventStore({ store: live, source: failing, batchSize: 10 })).rejects.toThrow('event store unreachable');
    expect(await generationsOf(live)).toEqual(['g0']);
    expect(await views(live, [])).toEqual(before);
    expect(await admin.get(`${live.prefix}rebuild`)).toBeNull();
    // And the next rebuild goes through.
    await expect(rebuildFromEventStore({ store: live, source: sourceOf(history.events), retireAfterMs: 0 })).resolves.toMatchObject({ generation: 'g2' });
  });
});
