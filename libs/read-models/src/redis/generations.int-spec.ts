import Redis from 'ioredis';
import { isolation, testServers } from '../../../../test/support/isolation';
import type { Applied, ReadModelStore } from '../read-model-store.port';
import { Workload, kafkaInterleaving, seededRandom } from '../testing/workload';
import { MemoryReadModelStore } from '../memory/memory-read-model-store';
import { GenerationLost, RebuildInProgress, RedisReadModelStore } from './redis-read-model-store';

jest.setTimeout(30_000);

const { redisPrefix } = isolation('generations');
const { redisUrl } = testServers();
const USERS = ['alice', 'bob', 'carol', 'dave'];
let admin: Redis;
let stores = 0;
const opened: RedisReadModelStore[] = [];

/** Two stores on the same keys, as the projector and the api are: each has its own generation cache. */
const pair = (generationCacheMs = 60_000) => {
  const prefix = `${redisPrefix}${++stores}:`;
  const make = () => {
    const store = new RedisReadModelStore({ redis: admin, prefix, generationCacheMs });
    opened.push(store);
    return store;
  };
  return { prefix, writer: make(), reader: make() };
};

const keysOf = async (prefix: string) => (await admin.keys(`${prefix}*`)).map((k) => k.slice(prefix.length)).sort();
const generationsOf = async (prefix: string) => [...new Set((await keysOf(prefix)).filter((k) => /^g\d+:/.test(k)).map((k) => k.split(':')[0]))].sort();

const story = () => {
  const workload = new Workload();
  USERS.forEach((u) => workload.open(u));
  workload.fund('alice', 10_000).tip('alice', 'bob', 'a-1', 700).transfer('alice', 'carol', 300).sendRedPacket('alice', 'rp-1', 900, 3);
  workload.claim('rp-1', 'bob', 100).claim('rp-1', 'dave', 200).fund('carol', 50).tip('carol', 'dave', 'a-2', 500).claim('rp-1', 'carol', 1);
  return workload;
};

const views = async (store: ReadModelStore) => ({
  watermark: await store.watermark(),
  wallets: await Promise.all(USERS.map((u) => store.wallet(u))),
  earnings: await Promise.all(USERS.map((u) => store.earnings(u))),
  leaderboard: await store.leaderboard(100),
  packet: await store.redPacket('rp-1'),
  feeds: await Promise.all(USERS.map((u) => store.feed(u, { limit: 100 }))),
});

const replayed = async (deliveries: Applied[]) => {
  const memory = new MemoryReadModelStore();
  for (const delivery of deliveries) await memory.apply(delivery);
  return views(memory);
};

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

describe('RedisReadModelStore generations', () => {
  it('fills a new generation beside the live one, switches only once it has caught up, then retires the old one', async () => {
    const { prefix, writer, reader } = pair(50);
    const deliveries = story().deliveries();
    const half = Math.floor(deliveries.length / 2);
    await writer.applyMany(deliveries.slice(0, half));
    const before = await views(reader);

    const build = await writer.beginRebuild();
    expect(build.generation).toBe('g1');
    await build.applyMany(deliveries.slice(0, half - 3));
    // The live generation still answers, untouched by the build.
    expect(await views(reader)).toEqual(before);
    expect((await reader.status()).rebuilding).toEqual({ generation: 'g1', watermark: deliveries[half - 4]!.event.position, applied: half - 3, skipped: 0 });

    expect(await build.trySwitch()).toBe(false); // behind the live watermark
    await build.applyMany(deliveries.slice(half - 3, half));
    await writer.apply(deliveries[half + 1]!); // the live one takes an event ahead of its watermark: pending
    expect(await build.trySwitch()).toBe(false); // behind a pending live position
    await build.applyMany(deliveries.slice(half, half + 2));
    expect(await build.trySwitch()).toBe(true);
    expect(await admin.get(`${prefix}{zan-ctl}generation`)).toBe('g1');

    // The live writer keeps going: into the new generation, where what the build applied is a duplicate.
    expect(await writer.applyMany(deliveries.slice(half))).toEqual(deliveries.slice(half).map((_, i) => i > 1));
    await build.finish({ retireAfterMs: 100 });
    expect(await generationsOf(prefix)).toEqual(['g1']);
    expect(await admin.get(`${prefix}{zan-ctl}rebuild`)).toBeNull();
    expect(await views(reader)).toEqual(await replayed(deliveries));
    expect(await reader.status()).toMatchObject({ generation: 'g1', applied: deliveries.length, skipped: 0, pending: 0 });
  });

  it('sends a write with a stale generation to the live one: the script refuses it and the store retries', async () => {
    const { prefix, writer, reader } = pair(60_000);
    const deliveries = story().deliveries();
    await writer.applyMany(deliveries.slice(0, 5));
    expect(await reader.watermark()).toBe(deliveries[4]!.event.position); // reader caches g0 for a minute

    const build = await reader.beginRebuild();
    await build.applyMany(deliveries.slice(0, 5));
    expect(await build.trySwitch()).toBe(true);
    // The writer still believes g0 is live; its write lands in g1 all the same.
    expect(await writer.apply(deliveries[5]!)).toBe(true);
    expect(await admin.get(`${prefix}g1:{zan-ctl}:watermark`)).toBe(String(deliveries[5]!.event.position));
    expect(await admin.get(`${prefix}g0:{zan-ctl}:watermark`)).toBe(String(deliveries[4]!.event.position));
    // On one Redis the refused script wrote nothing in g0 (the tip's earnings are in g1 only).
    expect((await keysOf(prefix)).filter((key) => key.endsWith(':earnings:bob'))).toEqual([expect.stringMatching(/^g1:/)]);
    await build.finish({ retireAfterMs: 0 });
    expect(await generationsOf(prefix)).toEqual(['g1']);
  });

  it("runs one rebuild at a time; a dead one's lease expires and the next one deletes what it left", async () => {
    const { prefix, writer } = pair();
    const deliveries = story().deliveries();
    await writer.applyMany(deliveries);
    const dead = await writer.beginRebuild({ leaseMs: 300 });
    await dead.applyMany(deliveries.slice(0, 4));
    await expect(writer.beginRebuild()).rejects.toThrow(RebuildInProgress);

    // The process that held it dies (its renewals stop): simulated by deleting the lease.
    await admin.del(`${prefix}{zan-ctl}rebuild`);
    await expect(dead.apply(deliveries[4]!)).rejects.toThrow(GenerationLost);
    await expect(dead.trySwitch()).rejects.toThrow(GenerationLost);
    const next = await writer.beginRebuild();
    expect(next.generation).toBe('g3'); // the refused rebuild took g2
    expect(await generationsOf(prefix)).toEqual(['g0']); // g1's keys are gone; g3 has none yet
    await next.abort();
    await dead.abort();
    expect(await generationsOf(prefix)).toEqual(['g0']);
    expect(await admin.get(`${prefix}{zan-ctl}rebuild`)).toBeNull();
    expect(await views(writer)).toEqual(await replayed(deliveries));
  });

  it('keeps its lease while it works', async () => {
    const { prefix, writer } = pair();
    const build = await writer.beginRebuild({ leaseMs: 600 });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // renewed every 200 ms
    expect(await admin.get(`${prefix}{zan-ctl}rebuild`)).toBe(build.generation);
    await build.abort();
  });

  it('equals in-order application whenever the switch happens during Kafka-like live traffic', async () => {
    const workload = story();
    workload.fund('bob', 1_000).transfer('bob', 'dave', 250).tip('dave', 'alice', 'a-3', 600).withdraw('carol', 20);
    const deliveries = workload.deliveries();
    const expected = await replayed(deliveries);
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const { writer, reader } = pair(seed % 2 === 0 ? 0 : 60_000);
      const random = seededRandom(seed);
      const live = kafkaInterleaving(deliveries, random, 0.2);
      const cut = Math.floor(random() * live.length);
      for (const delivery of live.slice(0, cut)) await writer.apply(delivery);

      const build = await reader.beginRebuild();
      let replayedUpTo = 0;
      let liveUpTo = cut;
      // Replay and live traffic interleave; the rebuild tries to switch after each of its steps.
      while (!(await build.trySwitch())) {
        if (replayedUpTo < deliveries.length) await build.apply(deliveries[replayedUpTo++]!);
        if (liveUpTo < live.length && random() < 0.5) await writer.apply(live[liveUpTo++]!);
      }
      for (const delivery of live.slice(liveUpTo)) await writer.apply(delivery);
      await build.finish({ retireAfterMs: 0 });
      expect({ seed, views: await views(reader) }).toEqual({ seed, views: expected });
    }
  });
});
