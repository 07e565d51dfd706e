import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { audit } from '../../apps/cli/src/audit/audit';
import { eventually } from '../support/eventually';
import { prepareStormUser } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { liveAndReplayed } from '../support/read-model-snapshot';
import { CLUSTER_URL, clusterScript as cluster, killNode, primaryOf } from '../support/redis-cluster';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * Zan's read models on a Redis Cluster (infra/redis-cluster/start.sh: three primaries, three
 * replicas): the primary holding the control slot (watermark, generation pointer) and a sixth of the
 * shards is SIGKILLed in the middle of a storm of tips and transfers. Its replica takes over; the
 * projector's writes in flight fail and are retried (the Kafka offsets were not committed), so every
 * debit is credited, the read models equal a replay of the event store and the audit is clean.
 * Run by `npm run soak` (ZAN_CLUSTER_TESTS=1), not npm test: six more servers and a failover.
 */
const describeCluster = process.env.ZAN_CLUSTER_TESTS === '1' ? describe : describe.skip;

describeCluster('full stack on a Redis Cluster: a primary is killed mid-storm', () => {
  const env: Record<string, string> = {
    ...fullStackEnv('rcluster'),
    REDIS_URL: CLUSTER_URL,
    ZAN_DAILY_SPEND_LIMIT: '0',
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
  };
  const apps: AppProcess[] = [];
  let base = '';
  let pg: PostgresEventStore;
  let startedHere = false;

  beforeAll(async () => {
    startedHere = !cluster('start.sh').includes('already answer');
    const api = await startApp('api', env, LISTENING);
    apps.push(api);
    base = LISTENING.exec(api.output())![1]!;
    apps.push(await startApp('relay', env, /relaying from position/));
    apps.push(await startApp('projector', env, /health and metrics on http:/));
    pg = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.kill('SIGKILL')));
    await pg?.eventStore.close();
    // The killed node comes back as a replica (start.sh starts the nodes that are down), then the
    // cluster stops if this spec started it.
    cluster('start.sh');
    await dropIsolated(env);
    if (startedHere) cluster('stop.sh');
  }, 300_000);

  const users = ['mia', 'ned', 'ola', 'pim'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  const post = async (userId: string, path: string, body: object, key: string) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.get(userId)}`, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.status;
  };

  it('loses nothing when the primary of the watermark dies: every credit made, read models equal a replay, the audit clean', async () => {
    const FUNDING = 1_000_000;
    for (const user of users) await prepareStormUser(post, user, { funding: FUNDING, articles: 3, title: 'rcluster' });

    let next = 0;
    let stop = false;
    let afterKill = 0;
    let killed = false;
    const worker = async () => {
      while (!stop) {
        const i = next++;
        const from = users[i % users.length]!;
        const to = users[(i + 1 + (i % 3)) % users.length]!;
        const [path, body] =
          i % 2
            ? ['/v1/tips', { authorId: to, articleId: `${to}-a-${i % 3}`, amount: 500 + (i % 100) }]
            : ['/v1/transfers', { toUserId: to, amount: 1 + (i % 300) }];
        // Commands go to PostgreSQL, not Redis: they are acknowledged through the failover.
        expect(await post(from, path, body, `k-${i}`)).toBe(201);
        if (killed && ++afterKill >= 60) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const running = Promise.all(Array.from({ length: 4 }, worker));
    const config = loadConfig(env);
    const store = new RedisReadModelStore({ redis: CLUSTER_URL, prefix: env.ZAN_REDIS_PREFIX, feedLength: config.feedLength, generationCacheMs: 0 });
    try {
      await eventually('projecting before the kill', async () => (await store.watermark()) > 0n && next > 40, 60_000, 50);

      const victim = primaryOf('zan-ctl');
      killNode(victim);
      killed = true;
      const killedAt = Date.now();
      await eventually('commands acknowledged after the kill', async () => afterKill >= 60, 60_000, 50);
      stop = true;
      await running;
      const head = (await pg.eventStore.headPosition()) ?? 0n;
      await eventually('projected past the kill', async () => (await store.watermark().catch(() => 0n)) >= head, 120_000, 100);
      const recoveryMs = Date.now() - killedAt;
      expect(apps.every((app) => app.child.exitCode === null)).toBe(true);
      expect(primaryOf('zan-ctl')).not.toBe(victim);

      let result!: Awaited<ReturnType<typeof audit>>;
      await eventually(
        'the audit to find the ledger quiet',
        async () => {
          result = await audit(pg.eventStore, { graceMs: 0 });
          return result.ledger.conservation().inFlight === 0;
        },
        40_000,
        500,
      );
      expect(result.ledger.findings).toEqual([]);
      expect(result.ledger.pairs.credited).toBe(result.ledger.pairs.debits);
      expect(result.ledger.conservation()).toEqual(expect.objectContaining({ inFlight: 0, holds: true, fundings: users.length * FUNDING }));

      const { events: all, live, replayed } = await liveAndReplayed(pg.eventStore, store, { feedLength: config.feedLength, timeoutMs: 60_000 });
      expect(live).toEqual(replayed);
      // Every debit credited: the balances add up to what was funded.
      const balances = await Promise.all(users.map(async (u) => (await store.wallet(u))!.balance));
      expect(balances.reduce((sum, b) => sum + b, 0)).toBe(users.length * FUNDING);
      console.log(
        `redis cluster: primary 127.0.0.1:${victim} (the watermark's) killed mid-storm; ${all.length} events; projected through ${recoveryMs} ms after the kill`,
      );
    } finally {
      await store.close();
    }
  }, 420_000);
});
