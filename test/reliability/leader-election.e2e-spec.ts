import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { CHECKPOINT_STORE, type CheckpointStore, EVENT_STORE, type EventStore } from '@zan/event-store';
import { topicName } from '@zan/messaging';
import { loadConfig } from '@zan/platform';
import { CreditsProcessManager } from '../../apps/api/src/process-managers/credits.process-manager';
import { ExpiryScheduler } from '../../apps/api/src/process-managers/expiry.scheduler';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { eventually } from '../support/eventually';
import { type Client, clientFor, fundedUser } from '../support/http-client';
import { type AppProcess, startApp } from '../support/processes';
import { dropIsolated, fullStackEnv } from '../support/stacks';

/**
 * Two relays and two api replicas on one PostgreSQL store: one of each pair leads (publishes,
 * reacts), the other stands by; every event reaches Kafka exactly once; when a leader dies the
 * standby takes over within seconds from the checkpoint, and nothing is lost.
 */
describe('singletons under leader election', () => {
  const env = fullStackEnv('leader');
  const checkpointName = `relay:kafka:${env.ZAN_TOPIC_PREFIX}`;
  const apis: INestApplication[] = [];
  const relays: AppProcess[] = [];
  let consumer: Consumer;
  /** Kafka messages seen per event id (the CloudEvents ce_id header). */
  const copies = new Map<string, number>();

  const startApi = async () => {
    const app = await createZanApp({ config: loadConfig(env), roles: ['api'], logger: ['error', 'fatal'] });
    await app.init();
    apis.push(app);
    return app;
  };

  beforeAll(async () => {
    await startApi();
    await startApi();
    relays.push(await startApp('relay', env, /relaying from position/));
    // The second one serves health and metrics, and stands by.
    relays.push(await startApp('relay', env, /health and metrics on http:/));

    const kafka = new Kafka({ brokers: env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `${env.ZAN_TOPIC_PREFIX}.counter` });
    await consumer.connect();
    await consumer.subscribe({ topics: EVENT_CATEGORIES.map((category) => topicName(env.ZAN_TOPIC_PREFIX!, category)), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const id = message.headers?.ce_id?.toString();
        if (id) copies.set(id, (copies.get(id) ?? 0) + 1);
      },
    });
  }, 180_000);

  afterAll(async () => {
    await consumer?.disconnect().catch(() => undefined);
    await Promise.allSettled(relays.map((relay) => relay.kill('SIGTERM')));
    await Promise.allSettled(apis.map((api) => api.close()));
    await dropIsolated(env);
  }, 60_000);

  const store = () => apis[apis.length - 1]!.get<EventStore>(EVENT_STORE);

  /** Every stored event has reached Kafka (and the relay's checkpoint has caught up with the head). */
  const allPublished = () =>
    eventually(
      'every stored event on Kafka',
      async () => {
        const head = (await store().headPosition()) ?? 0n;
        const through = (await apis[apis.length - 1]!.get<CheckpointStore>(CHECKPOINT_STORE).load(checkpointName)) ?? 0n;
        const events = await store().readAll({ after: 0n, maxCount: 100_000 });
        return through >= head && events.every((event) => copies.has(event.id));
      },
      30_000,
    );

  const fundings = async (users: Client[], round: number) => {
    for (const user of users) await user.post('/v1/wallets/me/fundings', { amount: 100 + round, cardId: `card-${user.userId}` }).expect(201);
  };

  it('runs each singleton once, and hands it over when its leader dies', async () => {
    const [first, second] = apis as [INestApplication, INestApplication];
    // One api replica reacts and runs the timers, the other stands by.
    expect([first.get(CreditsProcessManager).leading, second.get(CreditsProcessManager).leading]).toEqual([true, false]);
    expect([first.get(ExpiryScheduler).leading, second.get(ExpiryScheduler).leading]).toEqual([true, false]);
    expect(relays[1]!.output()).not.toMatch(/relaying from position/);

    // Requests go to both replicas; payees are credited by the leader alone.
    const users: Client[] = [];
    for (const [i, name] of ['ada', 'bo', 'cy', 'di'].entries()) users.push((await fundedUser(apis[i % 2]!, name, 10_000)).client);
    for (let round = 0; round < 5; round++) {
      await fundings(users, round);
      await users[round % 4]!.post('/v1/transfers', { toUserId: users[(round + 1) % 4]!.userId, amount: 10 }).expect(201);
    }
    await allPublished();
    expect(relays[1]!.output()).not.toMatch(/relaying from position/);

    // The leading relay dies without a word; the standby takes over from the checkpoint.
    await relays[0]!.kill('SIGKILL');
    const killedAt = Date.now();
    for (let round = 5; round < 10; round++) await fundings(users, round);
    await eventually('the standby relay to lead', async () => /relaying from position/.test(relays[1]!.output()), 15_000, 50);
    const takeover = Date.now() - killedAt;

    // The leading api replica shuts down; the other takes over its reactions and timers.
    await first.close();
    apis.shift();
    await eventually(
      'the standby api replica to lead',
      async () => second.get(CreditsProcessManager).leading && second.get(ExpiryScheduler).leading,
      10_000,
      50,
    );
    users.splice(0, users.length, ...users.map((user) => clientFor(second, user.userId)));
    for (let round = 10; round < 13; round++) {
      await fundings(users, round);
      await users[round % 4]!.post('/v1/transfers', { toUserId: users[(round + 1) % 4]!.userId, amount: 10 }).expect(201);
    }
    await allPublished();
    const head = (await store().headPosition()) ?? 0n;
    await eventually('every reaction done', async () => second.get(CreditsProcessManager).handledThrough >= head, 15_000);

    // Every transfer credited exactly once, across the handover.
    const events = await store().readAll({ after: 0n, maxCount: 100_000 });
    const transfers = events.filter((event) => event.type === 'FundsTransferred');
    const credits = events.filter((event) => event.type === 'TransferReceived');
    expect(transfers).toHaveLength(8);
    expect(credits).toHaveLength(8);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a late second copy would show up here
    // Each event on Kafka exactly once: the standby never published while the leader did, and took over from a checkpoint at the head.
    const counts = events.map((event) => copies.get(event.id) ?? 0);
    expect(counts.filter((n) => n !== 1)).toEqual([]);
    expect(takeover).toBeLessThan(10_000);
  }, 180_000);
});
