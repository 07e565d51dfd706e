import Redis from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { eventually } from '../support/eventually';
import { prepareStormUser } from '../support/identity';
import { type AppProcess, startApp } from '../support/processes';
import { liveAndReplayed, readAllEvents } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { expectEveryStreamWholeAndInOrder, readAsSubscriber, storedStreams } from '../support/subscriber';
import { tipOrTransfer } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const KAFKA = join(__dirname, '../../infra/kafka');
const CLUSTER = ['127.0.0.1:19092', '127.0.0.1:19093', '127.0.0.1:19094'];
const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;

const cluster = (script: 'start.sh' | 'stop.sh') =>
  execFileSync('bash', [join(KAFKA, script), '--brokers', '3'], { stdio: 'pipe', timeout: 180_000 }).toString();

/** The pid of the cluster node that listens on `port` (start.sh keeps one pid file per node). */
const nodePid = (nodeId: number): number => Number(readFileSync(join(KAFKA, '.run-cluster', `node-${nodeId}`, 'kafka.pid'), 'utf8'));

/**
 * Zan on a three-broker Kafka cluster (infra/kafka/start.sh --brokers 3): its topics get three
 * replicas and min.insync.replicas 2, and when the broker leading the wallet topic's partitions is
 * SIGKILLed in the middle of a storm of transfers and tips, the leaders move, the relay and the
 * projector go on without an operator, and nothing acknowledged is lost or doubled: the read models
 * equal a replay of the event store and a subscriber sees every stream whole and in order.
 */
// Three more JVMs and a broker failover: run by `npm run soak` (ZAN_CLUSTER_TESTS=1), not by npm test,
// where it was flaky (the projection sometimes took over 120 s to pass the kill; under investigation).
const describeCluster = process.env.ZAN_CLUSTER_TESTS === '1' ? describe : describe.skip;

describeCluster('full stack on a three-broker Kafka cluster: a broker is killed mid-storm', () => {
  const env: Record<string, string> = {
    ...fullStackEnv('kcluster'),
    KAFKA_BROKERS: CLUSTER.join(','),
    ZAN_DAILY_SPEND_LIMIT: '0',
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
    KAFKA_SESSION_TIMEOUT_MS: '10000',
  };
  const apps: AppProcess[] = [];
  let base = '';
  let pg: PostgresEventStore;
  let redis: Redis;
  let admin: Admin;
  let startedHere = false;

  beforeAll(async () => {
    startedHere = !cluster('start.sh').includes('already answer');
    const api = await startApp('api', env, LISTENING);
    apps.push(api);
    base = LISTENING.exec(api.output())![1]!;
    apps.push(await startApp('relay', env, /relaying from position/));
    apps.push(await startApp('projector', env, /health and metrics on http:/));
    pg = await createPostgresEventStore({ connectionString: env.ZAN_EVENT_STORE!, schema: env.ZAN_PG_SCHEMA });
    redis = new Redis(env.REDIS_URL!);
    admin = new Kafka({ brokers: CLUSTER, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  }, 300_000);

  afterAll(async () => {
    await Promise.allSettled(apps.map((app) => app.kill('SIGKILL')));
    await pg?.eventStore.close();
    await redis?.quit();
    await admin?.disconnect().catch(() => undefined);
    // The killed node comes back (start.sh starts the nodes that do not answer), then the cluster
    // stops if this spec started it.
    cluster('start.sh');
    await dropIsolated(env);
    if (startedHere) cluster('stop.sh');
  }, 300_000);

  const users = ['ivy', 'jon', 'kai', 'lea'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  const post = async (userId: string, path: string, body: object, key: string) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens.get(userId)}`, 'Idempotency-Key': key, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.status;
  };

  it('replicates topics three times and loses nothing when the wallet leader dies', async () => {
    for (const user of users) await prepareStormUser(post, user, { funding: 1_000_000, articles: 3, title: 'cluster' });

    const walletTopic = `${env.ZAN_TOPIC_PREFIX}.wallet`;
    await eventually('the wallet topic is created', async () => (await admin.listTopics()).includes(walletTopic), 30_000, 100);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [walletTopic] })).topics;
    expect(metadata!.partitions.every((p) => p.replicas.length === 3)).toBe(true);
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: 2 /* TOPIC */, name: walletTopic, configNames: ['min.insync.replicas', 'retention.ms'] }],
    });
    const entries = configs.resources[0]!.configEntries;
    expect(entries.find((c) => c.configName === 'min.insync.replicas')?.configValue).toBe('2');
    expect(entries.find((c) => c.configName === 'retention.ms')?.configValue).toBe('-1');

    // Kill the broker that leads the first wallet partition: every stream written there must move.
    const victim = metadata!.partitions.find((p) => p.partitionId === 0)!.leader;
    let next = 0;
    let stop = false;
    let afterKill = 0;
    let killed = false;
    const worker = async () => {
      while (!stop) {
        const i = next++;
        const { userId: from, path, body } = tipOrTransfer(users, i);
        expect(await post(from, path, body, `k-${i}`)).toBe(201);
        if (killed && ++afterKill >= 60) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const running = Promise.all(Array.from({ length: 4 }, worker));
    const config = loadConfig(env);
    const store = new RedisReadModelStore({ redis, prefix: env.ZAN_REDIS_PREFIX, feedLength: config.feedLength, generationCacheMs: 0 });
    await eventually('projecting before the kill', async () => (await store.watermark()) > 0n && next > 40, 60_000, 50);

    process.kill(nodePid(victim), 'SIGKILL');
    killed = true;
    const killedAt = Date.now();
    await eventually('commands acknowledged after the kill', async () => afterKill >= 60, 60_000, 50);
    stop = true;
    await running;
    const head = (await pg.eventStore.headPosition()) ?? 0n;
    try {
      await eventually('projected past the kill', async () => (await store.watermark()) >= head, 120_000, 100);
    } catch (error) {
      // Say where each process stood: the last lines each wrote.
      for (const app of apps) console.log(`${app.name}:\n${app.output().split('\n').slice(-40).join('\n')}`);
      console.log(`head ${head}, projected through ${await store.watermark()}, ${(await readAllEvents(pg.eventStore)).length} events stored`);
      for (const app of apps) {
        const url = /health and metrics on (http:\/\/[\d.:]+)/.exec(app.output())?.[1];
        const metrics = url ? await fetch(`${url}/metrics`).then((r) => r.text(), String) : '';
        console.log(
          `${app.name} metrics:\n${metrics
            .split('\n')
            .filter((line) => /^zan_(relay|projector|projection)/.test(line))
            .join('\n')}`,
        );
      }
      const group = `${env.ZAN_TOPIC_PREFIX}.projector`;
      for (const topic of (await admin.listTopics()).filter((t) => t.startsWith(`${env.ZAN_TOPIC_PREFIX}.`))) {
        const ends = await admin.fetchTopicOffsets(topic).catch((e: unknown) => String(e));
        const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] }).catch(() => [undefined]);
        console.log(`${topic}: end ${JSON.stringify(ends)}; ${group} committed ${JSON.stringify(committed?.partitions)}`);
      }
      throw error;
    }
    const recoveryMs = Date.now() - killedAt;
    expect(apps.every((app) => app.child.exitCode === null)).toBe(true);

    const [after] = (await admin.fetchTopicMetadata({ topics: [walletTopic] })).topics;
    expect(after!.partitions.every((p) => p.leader !== victim && p.leader >= 0)).toBe(true);

    const { events: all, live, replayed } = await liveAndReplayed(pg.eventStore, store, { feedLength: config.feedLength, timeoutMs: 60_000 });
    expect(live).toEqual(replayed);
    expectEveryStreamWholeAndInOrder(await readAsSubscriber(env), await storedStreams(env), env.ZAN_TOPIC_PREFIX!);
    console.log(`kafka cluster: broker ${victim} killed mid-storm; ${all.length} events; projected through ${recoveryMs} ms after the kill`);
  }, 420_000);
});
