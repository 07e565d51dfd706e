import Redis from 'ioredis';
import { join } from 'node:path';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { loadConfig } from '@zan/platform';
import { RedisReadModelStore } from '@zan/read-models';
import { eventually } from '../support/eventually';
import { prepareStormUser } from '../support/identity';
import { type AppProcess, type SpawnedApp, spawnApp, startApp } from '../support/processes';
import { liveAndReplayed } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';
import { NO_SPENDING_LIMITS } from '../support/spending-limits';
import { expectEveryStreamWholeAndInOrder, readAsSubscriber, storedStreams } from '../support/subscriber';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { tipOrTransfer } from '../support/storm';
import { TEST_JWT_SECRET, tokenFor } from '../support/tokens';

const LISTENING = /zan api: listening on (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * The broker goes away for 5 s under load as the relay and the projector (separate processes) see
 * it: every connection they have to it goes through a proxy of the test's own, which drops them all
 * and refuses new ones, then lets them in again. The shared broker is never touched. Commands go on
 * (they never need Kafka); the relay resumes from its checkpoint, the projector converges to a
 * replay, and a subscriber reading the topics sees every stream whole and in order.
 */
describe('full stack: a Kafka outage between the relay, the projector and the broker', () => {
  const env: Record<string, string> = {
    ...fullStackEnv('kafkaout'),
    ...NO_SPENDING_LIMITS,
    ZAN_RATE_LIMIT_PER_MINUTE: '0',
    ZAN_QUERY_RATE_LIMIT_PER_MINUTE: '0',
    // The projector loses its group membership with its connection, and its new member waits for
    // the old one's session to end before it gets partitions: 30 s at kafkajs's default, 10 s here.
    KAFKA_SESSION_TIMEOUT_MS: '10000',
  };
  let proxy: TcpProxy;
  let api: AppProcess;
  const behind: SpawnedApp[] = [];
  let base = '';
  let pg: PostgresEventStore;
  let redis: Redis;

  beforeAll(async () => {
    const broker = env.KAFKA_BROKERS!.split(',')[0]!;
    const [host, port] = broker.split(':') as [string, string];
    proxy = await startTcpProxy({ host, port: Number(port) });
    api = await startApp('api', env, LISTENING);
    base = LISTENING.exec(api.output())![1]!;
    const main = join(__dirname, '../support/kafka-through-proxy.main.ts');
    for (const [app, ready] of [
      ['relay', /relaying from position/],
      ['projector', /health and metrics on http:/],
    ] as const) {
      const spawned = spawnApp(
        app,
        {
          ...env,
          ZAN_TEST_APP: app,
          ZAN_TEST_KAFKA_BROKER: broker,
          ZAN_TEST_KAFKA_PROXY: proxy.address,
        },
        main,
      );
      behind.push(spawned);
      await spawned.ready(ready);
    }
    pg = await createPostgresEventStore({
      connectionString: env.ZAN_EVENT_STORE!,
      schema: env.ZAN_PG_SCHEMA,
    });
    redis = new Redis(env.REDIS_URL!);
  }, 180_000);

  afterAll(async () => {
    await Promise.allSettled([api?.kill('SIGKILL'), ...behind.map((app) => app.kill('SIGKILL'))]);
    await proxy?.close();
    await pg?.eventStore.close();
    await redis?.quit();
    await dropIsolated(env);
  }, 60_000);

  const users = ['kim', 'lou', 'max', 'ned'];
  const tokens = new Map(users.map((u) => [u, tokenFor(u, TEST_JWT_SECRET)]));
  const post = async (userId: string, path: string, body: object, key: string) => {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${tokens.get(userId)}`,
        'Idempotency-Key': key,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, any>,
    };
  };

  it('goes on with commands, then relays, projects and delivers everything in order', async () => {
    for (const user of users) {
      await prepareStormUser(async (userId, path, body, key) => (await post(userId, path, body, key)).status, user, {
        funding: 1_000_000,
        articles: 3,
        title: 'outage',
      });
    }
    let next = 0;
    let during = 0;
    let cut = false;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const i = next++;
        const { userId: from, path, body } = tipOrTransfer(users, i);
        const answer = await post(from, path, body, `k-${i}`);
        expect(answer.status).toBe(201);
        if (cut) during += 1;
        if (during >= 40) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const running = Promise.all(Array.from({ length: 4 }, worker));
    const config = loadConfig(env);
    const store = new RedisReadModelStore({
      redis,
      prefix: env.ZAN_REDIS_PREFIX,
      feedLength: config.feedLength,
      generationCacheMs: 0,
    });
    await eventually('projecting before the outage', async () => (await store.watermark()) > 0n && next > 40, 30_000, 50);
    expect(proxy.open()).toBeGreaterThan(0);
    cut = true;
    proxy.cut();
    const cutAt = Date.now();
    const watermarkAtCut = await store.watermark();
    // Commands go on while no message can reach the broker; nothing is projected meanwhile.
    await eventually('commands acknowledged during the outage', async () => during >= 40, 30_000, 50);
    stop = true;
    await running;
    // The outage lasts 5 s in all.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, cutAt + 5_000 - Date.now())));
    const headAtRestore = (await pg.eventStore.headPosition()) ?? 0n;
    expect(await store.watermark()).toBeLessThan(headAtRestore);
    proxy.restore();
    const restoredAt = Date.now();
    await eventually('projecting again past the outage', async () => (await store.watermark()) >= headAtRestore, 60_000, 100).catch((error: Error) => {
      // The relay's and the projector's own account of the recovery, for a run that did not make it.
      const tail = (name: string, output: string) => `--- ${name}, last lines:\n${output.split('\n').slice(-40).join('\n')}`;
      throw new Error([error.message, tail('relay', behind[0]!.output()), tail('projector', behind[1]!.output())].join('\n'));
    });
    const recoveryMs = Date.now() - restoredAt;
    expect(behind.every((app) => app.child.exitCode === null)).toBe(true);

    const { events: all, live, replayed } = await liveAndReplayed(pg.eventStore, store, { feedLength: config.feedLength, timeoutMs: 30_000 });
    expect(live).toEqual(replayed);
    expectEveryStreamWholeAndInOrder(await readAsSubscriber(env), await storedStreams(env), env.ZAN_TOPIC_PREFIX!);
    console.log(
      `kafka outage: ${all.length} events, ${during} commands acknowledged during it, watermark ${watermarkAtCut} at the cut, head ${headAtRestore} at the restore, projected through it ${recoveryMs} ms after`,
    );
  }, 240_000);
});
