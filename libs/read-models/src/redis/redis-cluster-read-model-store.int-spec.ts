import { spawnSync } from 'node:child_process';
import type { Cluster } from 'ioredis';
import { isolation } from '../../../../test/support/isolation';
import { readModelStoreContract } from '../testing/read-model-store.contract';
import { Workload } from '../testing/workload';
import { openRedis, scanAll } from './client';
import { RedisReadModelStore } from './redis-read-model-store';
import { slotOf } from './shards';

/**
 * The read-model store contract on a Redis Cluster (three primaries, three replicas):
 *   bash infra/redis-cluster/start.sh
 *   ZAN_SKIP_KAFKA_START=1 npx jest libs/read-models/src/redis/redis-cluster
 * `npm run soak` starts the cluster and runs it. REDIS_CLUSTER_URL names another cluster.
 */
const url = process.env.REDIS_CLUSTER_URL ?? 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002';

/** Whether the first seed answers as a healthy cluster node (asked once, synchronously, to choose the suite). */
const clusterAnswers = (): boolean => {
  const [host, port] = url.replace('redis+cluster://', '').replace(/^.*@/, '').split(',')[0]!.split(':');
  const info = spawnSync('redis-cli', ['-h', host!, '-p', port!, 'cluster', 'info'], { encoding: 'utf8', timeout: 3000 });
  return info.status === 0 && /cluster_state:ok/.test(info.stdout);
};

jest.setTimeout(60_000);

if (!clusterAnswers()) {
  console.log(`Redis Cluster contract suite SKIPPED: no cluster answers at ${url} (start one with bash infra/redis-cluster/start.sh)`);
  describe.skip('ReadModelStore contract: redis-cluster (skipped: no Redis Cluster on 7000)', () => {
    it('runs the contract suite against a Redis Cluster', () => undefined);
  });
} else {
  const { redisPrefix } = isolation('rm-cluster');
  let admin: Cluster;
  let stores = 0;

  beforeAll(() => {
    admin = openRedis(url) as Cluster;
  });

  afterAll(async () => {
    const left: string[] = [];
    await scanAll(admin, `${redisPrefix}*`, 1000, async (keys) => void left.push(...keys));
    await admin.quit();
    // Every store of the suite cleared itself, on every node: nothing of this run may stay behind.
    expect(left).toEqual([]);
  });

  readModelStoreContract(
    'redis-cluster',
    async (options) => new RedisReadModelStore({ redis: url, prefix: `${redisPrefix}${++stores}:`, feedLength: options?.feedLength }),
    { propertyRuns: 10 },
  );

  describe('RedisReadModelStore on a Redis Cluster', () => {
    it('spreads the keys of a workload over every primary, each script within one slot, and tells a waiter when the watermark moves', async () => {
      const store = new RedisReadModelStore({ redis: url, prefix: `${redisPrefix}spread:` });
      let moves = 0;
      const stop = await store.onWatermarkMoved(() => void moves++);
      try {
        const workload = new Workload();
        for (let u = 0; u < 30; u++) workload.open(`u${u}`).fund(`u${u}`, 10_000);
        for (let u = 0; u < 29; u++) workload.tip(`u${u}`, `u${u + 1}`, `art-${u % 5}`, 100 + u);
        const deliveries = workload.deliveries();
        expect((await store.applyMany(deliveries)).every(Boolean)).toBe(true);
        expect(await store.watermark()).toBe(deliveries[deliveries.length - 1]!.event.position);

        const keys: string[] = [];
        const perNode = await Promise.all(
          admin.nodes('master').map(async (node) => {
            const found: string[] = [];
            await scanAll(node, `${redisPrefix}spread:*`, 1000, async (page) => void found.push(...page));
            keys.push(...found);
            return found.length;
          }),
        );
        expect(perNode.every((count) => count > 0)).toBe(true);
        // The leaderboard merged over the shards: the top author is the one tipped most.
        const [top] = await store.leaderboard(1);
        expect(top).toMatchObject({ authorId: 'u29', total: 100 + 28, tips: 1 });
        expect((await store.status()).applied).toBe(deliveries.length);
        // Each generation's data keys carry a shard tag: keys of one tag share a slot.
        expect(new Set(keys.filter((key) => key.includes('{s0-')).map(slotOf)).size).toBeLessThanOrEqual(1);
        await waitFor(() => moves > 0);
      } finally {
        await stop();
        await store.clear();
        await store.close();
      }
    });

    it('rebuilds into a new generation on the cluster and switches to it', async () => {
      const store = new RedisReadModelStore({ redis: url, prefix: `${redisPrefix}rebuild:`, generationCacheMs: 10 });
      try {
        const workload = new Workload().open('alice').open('bob').fund('alice', 5_000).tip('alice', 'bob', 'a', 700).transfer('alice', 'bob', 300);
        const deliveries = workload.deliveries();
        await store.applyMany(deliveries.slice(0, 3));
        const build = await store.beginRebuild();
        await build.applyInOrder(deliveries.slice(0, 3));
        await store.applyMany(deliveries.slice(3));
        expect(await build.trySwitch()).toBe(false); // behind the live generation
        await build.applyInOrder(deliveries.slice(3));
        expect(await build.trySwitch()).toBe(true);
        await build.finish({ retireAfterMs: 20 });
        expect(await store.generation(true)).toBe(build.generation);
        expect(await store.wallet('alice')).toMatchObject({ balance: 5_000 - 700 - 300 });
        expect(await store.wallet('bob')).toMatchObject({ balance: 700 + 300 });
        expect(await store.watermark()).toBe(deliveries[deliveries.length - 1]!.event.position);
      } finally {
        await store.clear();
        await store.close();
      }
    });
  });
}

const waitFor = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(ok()).toBe(true);
};
