import Redis from 'ioredis';
import { type Applied, RedisReadModelStore } from '@zan/read-models';
import { Workload } from '../../libs/read-models/src/testing/workload';
import { eventually } from '../support/eventually';
import { isolation } from '../support/isolation';
import { CLUSTER_PORTS, CLUSTER_URL, clusterScript as cluster, killNode, primaryOf, redisCli as cli, replicaOf } from '../support/redis-cluster';

/**
 * The store waits for a replica of each primary before a batch counts as applied (WAIT), and not
 * for a primary without one. Which primaries have a replica it took from its client's slot map,
 * which ioredis takes again only when the slots move (MOVED, a failover), never when a replica
 * fails or joins. So a replica that died alone kept every batch refused (ReplicasBehind) for as
 * long as it was down: the projector stuck. And after a failover the map was taken while the old
 * primary was down: the new primary had no replica in it, the old one came back as its replica
 * unseen, and the store acknowledged batches only the new primary held; when it died with its
 * replica behind, they were lost (the projector had committed their offsets: the watermark stuck
 * at the hole for good).
 * Run by `npm run soak` (ZAN_CLUSTER_TESTS=1), not npm test: it kills nodes of the cluster (run the
 * cluster specs one at a time: each kills the primary of the control slot).
 */
const describeCluster = process.env.ZAN_CLUSTER_TESTS === '1' ? describe : describe.skip;

/** The control slot's nodes as `port` answers CLUSTER SLOTS: its primary first, then its replicas (none when it does not answer). */
const controlSlotServers = async (port: string | number): Promise<number[]> => {
  const slot = Number(cli(port, 'cluster', 'keyslot', 'zan-ctl').trim());
  const node = new Redis({ host: '127.0.0.1', port: Number(port), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  node.on('error', () => undefined);
  try {
    await node.connect();
    const [, , ...servers] = (await node.cluster('SLOTS')).find(([low, high]) => slot >= low && slot <= high) ?? [0, 0];
    return servers.map(([, serverPort]) => Number(serverPort));
  } finally {
    node.disconnect();
  }
};

const answering = (): string[] =>
  CLUSTER_PORTS.filter((port) => {
    try {
      return cli(port, 'ping').trim() === 'PONG';
    } catch {
      return false;
    }
  });

/** Until every node that answers tells `primary` serves the control slot (with `replica` beside it, when given, online). */
const settled = (primary: number, replica?: number) =>
  eventually(
    `every node to see ${primary} primary of the control slot${replica ? ` and ${replica} its replica` : ''}`,
    async () => {
      for (const port of answering()) {
        const servers = await controlSlotServers(port).catch((): number[] => []);
        if (servers[0] !== primary || (replica !== undefined && !servers.includes(replica))) return false;
      }
      return replica === undefined || replicaOf(primary) === replica;
    },
    30_000,
    200,
  );

describeCluster('RedisReadModelStore on a Redis Cluster: a replica fails or rejoins', () => {
  let startedHere = false;

  beforeAll(() => {
    startedHere = !cluster('start.sh').includes('already answer');
  }, 120_000);

  // Each case starts on a whole cluster: what the last one killed started again, and synced.
  beforeEach(async () => {
    cluster('start.sh');
    const primary = primaryOf('zan-ctl');
    await eventually('the control slot with an online replica', async () => replicaOf(primary) !== undefined, 60_000, 200);
    await settled(primary, replicaOf(primary));
  }, 120_000);

  afterAll(() => {
    cluster('start.sh');
    if (startedHere) cluster('stop.sh');
  }, 120_000);

  const transfers = () => {
    const workload = new Workload();
    const balances = Array.from({ length: 8 }, () => 10_000);
    for (let u = 0; u < 8; u++) workload.open(`u${u}`).fund(`u${u}`, 10_000);
    for (let i = 0; i < 24; i++) {
      workload.transfer(`u${i % 8}`, `u${(i + 3) % 8}`, 10 + i);
      balances[i % 8]! -= 10 + i;
      balances[(i + 3) % 8]! += 10 + i;
    }
    return { deliveries: workload.deliveries(), balances };
  };

  const withStore = async (label: string, body: (store: RedisReadModelStore) => Promise<void>) => {
    const store = new RedisReadModelStore({ redis: CLUSTER_URL, prefix: isolation(label).redisPrefix, generationCacheMs: 0 });
    try {
      await body(store);
    } finally {
      await store.clear().catch(() => undefined);
      await store.close();
    }
  };

  /** Applies a batch as the projector does: again while the replicas are behind (a transient refusal). */
  const applyRetrying = async (store: RedisReadModelStore, batch: Applied[], timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await store.applyMany(batch);
      } catch (error) {
        if ((error as Error).name !== 'ReplicasBehind' || Date.now() > deadline) throw error;
      }
    }
  };

  it('goes on when the replica of a primary dies: a primary without a replica has nothing to wait for', async () => {
    await withStore('rcreplica', async (store) => {
      const { deliveries, balances } = transfers();
      await store.applyMany(deliveries.slice(0, 16));
      const primary = primaryOf('zan-ctl');
      killNode(replicaOf(primary)!);
      // The cluster marks the replica failed after its node timeout (2 s); the store goes on then.
      await applyRetrying(store, deliveries.slice(16), 20_000);
      expect(await store.watermark()).toBe(deliveries[deliveries.length - 1]!.event.position);
      expect(await Promise.all(balances.map(async (_, u) => (await store.wallet(`u${u}`))?.balance))).toEqual(balances);
    });
  }, 120_000);

  it('keeps what it acknowledged through a second failover, when the first primary came back as the replica', async () => {
    await withStore('rcrejoin', async (store) => {
      const { deliveries, balances } = transfers();
      const [first, second, third] = [deliveries.slice(0, 16), deliveries.slice(16, 28), deliveries.slice(28)];
      await store.applyMany(first);

      // The first failover: the store's next batch finds the slot moved and takes the slot map again
      // while the old primary is down.
      const oldPrimary = primaryOf('zan-ctl');
      const promoted = replicaOf(oldPrimary)!;
      killNode(oldPrimary);
      await settled(promoted);
      await store.applyMany(second);

      // The old primary comes back as the promoted one's replica, then loses its link and cannot
      // resync (a wrong password): the promoted primary alone holds what it takes now.
      cluster('start.sh');
      await settled(promoted, oldPrimary);
      cli(oldPrimary, 'config', 'set', 'masterauth', 'not-the-password');
      cli(promoted, 'client', 'kill', 'type', 'replica');
      let acknowledged = second[second.length - 1]!.event.position;
      try {
        await store.applyMany(third);
        acknowledged = third[third.length - 1]!.event.position;
      } catch (error) {
        // Not acknowledged (the replica did not confirm): the projector would apply it again.
        expect((error as Error).name).toBe('ReplicasBehind');
      }
      cli(oldPrimary, 'config', 'set', 'masterauth', '');
      killNode(promoted);
      await settled(oldPrimary);

      // What the store acknowledged is still there; the rest is applied again.
      expect(await store.watermark()).toBeGreaterThanOrEqual(acknowledged);
      await applyRetrying(store, third, 20_000);
      expect(await store.watermark()).toBe(deliveries[deliveries.length - 1]!.event.position);
      expect(await Promise.all(balances.map(async (_, u) => (await store.wallet(`u${u}`))?.balance))).toEqual(balances);
    });
  }, 120_000);
});
