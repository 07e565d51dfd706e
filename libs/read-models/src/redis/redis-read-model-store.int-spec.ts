import fc from 'fast-check';
import Redis from 'ioredis';
import { eventually } from '../../../../test/support/eventually';
import { isolation, testServers } from '../../../../test/support/isolation';
import { startTcpProxy } from '../../../../test/support/tcp-proxy';
import { LUA_POSITION_BEFORE, comparePositions } from '../positions';
import { readModelStoreContract } from '../testing/read-model-store.contract';
import { Workload } from '../testing/workload';
import { RedisReadModelStore } from './redis-read-model-store';

const { redisPrefix } = isolation('read-models');
const { redisUrl } = testServers();
let admin: Redis;
let stores = 0;

beforeAll(() => {
  admin = new Redis(redisUrl);
});

afterAll(async () => {
  const left = await admin.keys(`${redisPrefix}*`);
  await admin.quit();
  // Every store of the suite cleared itself: nothing of this run may stay behind.
  expect(left).toEqual([]);
});

readModelStoreContract(
  'redis',
  async (options) => new RedisReadModelStore({ redis: redisUrl, prefix: `${redisPrefix}${++stores}:`, feedLength: options?.feedLength }),
  { propertyRuns: 60 },
);

describe('RedisReadModelStore', () => {
  it('keeps positions as digits, ordered by length first, in its Lua', async () => {
    const positions = fc.bigInt({ min: 0n, max: 10n ** 31n - 1n }).map(String);
    await fc.assert(
      fc.asyncProperty(positions, positions, async (a, b) => {
        const before = await admin.eval(`${LUA_POSITION_BEFORE} return position_before(ARGV[1], ARGV[2]) and 1 or 0`, 0, a, b);
        expect(before === 1).toBe(comparePositions(a, b) < 0);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('puts every key under its prefix and works on a connection it was given', async () => {
    const prefix = `${redisPrefix}given:`;
    const store = new RedisReadModelStore({ redis: admin, prefix });
    const workload = new Workload().open('alice').fund('alice', 100).tip('alice', 'bob', 'a', 50).sendRedPacket('alice', 'rp', 10, 1);
    try {
      for (const delivery of workload.deliveries()) await store.apply(delivery);
      const physical = (await admin.keys(`${prefix}*`)).map((key) => key.slice(prefix.length));
      // Every key carries a hash tag (its shard's or the control slot's) right after the generation.
      expect(physical.filter((key) => !/^g0:\{[a-z0-9-]+\}:/.test(key))).toEqual([]);
      const stored = [...new Set(physical.map((key) => key.replace(/^(g0:)\{[a-z0-9-]+\}:/, '$1')))].sort();
      expect(stored).toEqual(
        [
          'applied:red-packet',
          'applied:wallet',
          'article-praisers:a',
          'article:a',
          'earnings:bob',
          'feed:alice',
          'feed:bob',
          'leaderboard:authors',
          'red-packet:rp',
          'stats',
          'stats-articles:2025-01-01',
          'stats-authors:2025-01-01',
          'stats-day:2025-01-01',
          'stats-hour:2025-01-01T08',
          'stats-money',
          'wallet:alice',
          'wallet:bob',
          'watermark',
        ].map((key) => `g0:${key}`),
      );
      expect(await admin.get(`${prefix}g0:{zan-ctl}:watermark`)).toBe(String(workload.events[workload.events.length - 1]!.position));
      // Other keys under the prefix (the api's rate limits) are not the store's to clear.
      await admin.set(`${prefix}rate:x`, '1');
      await store.clear();
      expect(await admin.keys(`${prefix}*`)).toEqual([`${prefix}rate:x`]);
      await admin.del(`${prefix}rate:x`);
    } finally {
      await store.clear();
      await store.close();
    }
    expect(await admin.keys(`${prefix}*`)).toEqual([]);
    expect(await admin.ping()).toBe('PONG');
  });

  it('tells a waiter after a write that applied something, not after a duplicate', async () => {
    const store = new RedisReadModelStore({ redis: redisUrl, prefix: `${redisPrefix}told:` });
    const deliveries = new Workload().open('alice').fund('alice', 100).deliveries();
    let told = 0;
    const stop = await store.onWatermarkMoved(() => void told++);
    try {
      const settled = async () => {
        await admin.ping(); // PUBLISH reaches the subscriber before a later command's answer comes back
        await new Promise((resolve) => setTimeout(resolve, 50));
        return told - 1; // the subscriber's own 'ready'
      };
      expect(await store.applyMany(deliveries)).toEqual([true, true]);
      expect(await settled()).toBe(1);
      expect(await store.applyMany(deliveries)).toEqual([false, false]);
      expect(await settled()).toBe(1);
      expect(await store.skip({ category: 'wallet', position: deliveries[1]!.event.position + 1n, prevPosition: deliveries[1]!.event.position })).toBe(true);
      expect(await settled()).toBe(2);
    } finally {
      await stop();
      await store.clear();
      await store.close();
    }
  });

  it('closes the connection of a subscription that failed: none is left reconnecting for good', async () => {
    const server = new URL(redisUrl);
    const proxy = await startTcpProxy({ host: server.hostname, port: Number(server.port || 6379) });
    const redis = new Redis(`redis://${proxy.address}`, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const store = new RedisReadModelStore({ redis, prefix: `${redisPrefix}unsubscribed:` });
    try {
      await store.watermark();
      expect(proxy.open()).toBe(1);
      // Redis cannot be reached as the api subscribes for ?after= waiters: each request whose wait
      // finds no subscription asks again (ReadYourWrites), and each failed attempt opened a connection.
      proxy.cut();
      for (let i = 0; i < 5; i++) await expect(store.onWatermarkMoved(() => undefined)).rejects.toThrow();
      proxy.restore();
      await eventually('the store reads again', async () => (await store.watermark().catch(() => undefined)) === 0n, 20_000);
      // Long enough for a connection left reconnecting to come back (ioredis retries within 2 s).
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(proxy.open()).toBe(1);
    } finally {
      redis.disconnect();
      await proxy.close();
    }
  });

  it('refuses an ioredis keyPrefix, which its scripts would not see', () => {
    const prefixed = new Redis(redisUrl, { keyPrefix: 'x:', lazyConnect: true });
    expect(() => new RedisReadModelStore({ redis: prefixed })).toThrow(/keyPrefix/);
    prefixed.disconnect();
  });
});
