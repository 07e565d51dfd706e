import type { INestApplication } from '@nestjs/common';
import { EVENT_CATEGORIES } from '@zan/contracts';
import { EVENT_STORE, type EventStore } from '@zan/event-store';
import { EVENT_BUS, type EventBus } from '@zan/messaging';
import { ManualClock, loadConfig, seededRandom } from '@zan/platform';
import { RedisReadModelStore, rebuildFromEventStore } from '@zan/read-models';
import Redis from 'ioredis';
import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage } from 'kafkajs';
import { CreditsProcessManager } from '../../apps/api/src/process-managers/credits.process-manager';
import { ExpiryScheduler } from '../../apps/api/src/process-managers/expiry.scheduler';
import { ProjectorService } from '../../apps/projector/src/projector.service';
import { rebuildFromKafka } from '../../apps/projector/src/rebuild-from-kafka';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { clientFor } from '../support/http-client';
import { runHttpWorkload } from '../support/http-workload';
import { testServers } from '../support/isolation';
import { captureReadModels, idsOf, readAllEvents, replayEvents, waitUntilProjected, wholeFeed } from '../support/read-model-snapshot';
import { dropIsolated, fullStackEnv } from '../support/stacks';

jest.setTimeout(120_000);

/**
 * The read models on the full stack (PostgreSQL, Kafka, Redis), against the one source of truth: a
 * replay of the event store. A seeded random workload goes through HTTP; then the projector gets every
 * message again and copies at new offsets; the keys are flushed and rebuilt; and a rebuild from Kafka
 * runs while commands keep coming. Set ZAN_TEST_SEED to replay a failing seed.
 */
describe('read models: never wrong', () => {
  const seed = Number(process.env.ZAN_TEST_SEED ?? 20260301);
  const env = fullStackEnv('readmodels');
  const config = loadConfig(env);
  const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
  const quiet = { logger: ['error', 'fatal'] as ('error' | 'fatal')[] };
  const kafka = new Kafka({ clientId: 'read-models-e2e', brokers: testServers().kafkaBrokers, logLevel: logLevel.NOTHING });
  let admin: Admin;
  let api: INestApplication;
  let relay: INestApplication;
  let projector: INestApplication;
  let events: EventStore;
  let store: RedisReadModelStore;
  let redis: Redis;

  const startProjector = async () => {
    projector = await createZanApp({ config, roles: ['projector'], ...quiet });
    await projector.init();
  };
  const replay = async () => replayEvents(await readAllEvents(events), { feedLength: config.feedLength });
  const everyId = async () => idsOf(await readAllEvents(events));

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    api = await createZanApp({ config, roles: ['api'], clock, random: seededRandom(seed), ...quiet });
    await api.init();
    relay = await createZanApp({ config, roles: ['relay'], ...quiet });
    await relay.init();
    await startProjector();
    events = api.get<EventStore>(EVENT_STORE);
    // A store of the test's own, on the same keys, that never trusts a cached generation.
    redis = new Redis(env.REDIS_URL!);
    store = new RedisReadModelStore({ redis, prefix: env.ZAN_REDIS_PREFIX, feedLength: config.feedLength, generationCacheMs: 0 });

    await runHttpWorkload(api, { seed, prefix: 'rm', users: 8, steps: 120 });
    // Some packets run out of time: their rest goes back to the sender.
    clock.advance(25 * 60 * 60 * 1000);
    await api.get(ExpiryScheduler).runDue();
    await waitUntilProjected(events, store, { credits: api.get(CreditsProcessManager) });
  });

  afterAll(async () => {
    await Promise.allSettled([projector?.close(), relay?.close()]);
    await api?.close();
    await store?.close();
    await redis?.quit();
    // Its schema, keys and topics (a second deletion of topics being deleted was refused: unknown topic).
    await dropIsolated(env);
    await admin.disconnect();
  });

  it('after a random workload over HTTP, equal to a replay of the event store in every view', async () => {
    const all = await readAllEvents(events);
    const ids = idsOf(all);
    expect(ids.users.length).toBeGreaterThanOrEqual(8);
    expect(ids.packets.length).toBeGreaterThan(3);
    const types = new Set(all.map((e) => e.type));
    for (const type of ['TipReceived', 'TransferReceived', 'RedPacketShareReceived', 'RedPacketExpired', 'RedPacketRefunded']) expect(types).toContain(type);

    const live = await captureReadModels(store, ids);
    expect(live).toEqual(await captureReadModels(await replay(), ids));
    expect(live.watermark).toBe(String(all[all.length - 1]!.position));
  });

  it('changes nothing when every message comes again 1 to 3 times, some at new offsets: no feed item twice', async () => {
    const ids = await everyId();
    const before = await captureReadModels(store, ids);
    const topics = EVENT_CATEGORIES.map((c) => `${env.ZAN_TOPIC_PREFIX}.${c}`);
    await projector.close();

    // Copies of real messages, same key, headers and value, as a relay re-publishing after a crash.
    const messages = await readTopics(topics);
    const draw = seededRandom(seed + 1);
    const copies: { topic: string; message: KafkaMessage }[] = [];
    for (const m of messages) for (let n = Math.floor(draw() * 3); n > 0; n--) copies.push(m);
    copies.sort(() => draw() - 0.5);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = 0; i < copies.length; i += 100) {
      await producer.sendBatch({
        topicMessages: copies.slice(i, i + 100).map(({ topic, message }) => ({
          topic,
          messages: [{ key: message.key, value: message.value, headers: message.headers }],
        })),
      });
    }
    await producer.disconnect();

    // A projector that reads everything again from the start: each original is redelivered once more.
    const groupId = `${env.ZAN_TOPIC_PREFIX}.projector.again`;
    const again = new ProjectorService(relay.get<EventBus>(EVENT_BUS), store, { groupId });
    await again.start();
    const total = messages.length + copies.length;
    try {
      await eventuallyTrue('the projector group at the end of every topic', async () => (await lagOf(groupId, topics)) === 0);
    } finally {
      await again.stop();
    }
    expect({ applied: again.applied, duplicates: again.skipped, deadLetters: again.deadLetters }).toEqual({ applied: 0, duplicates: total, deadLetters: 0 });
    expect(copies.length).toBeGreaterThan(messages.length / 2);
    await startProjector();

    expect(await captureReadModels(store, ids)).toEqual(before);
    for (const user of ids.users) {
      const items = await wholeFeed(store, user);
      expect(new Set(items.map((item) => JSON.stringify(item))).size).toBe(items.length);
    }
  });

  it('rebuilds flushed read models from the event store to what they were', async () => {
    const ids = await everyId();
    const before = await captureReadModels(store, ids);
    await store.clear();
    expect(await store.wallet(ids.users[0]!)).toBeUndefined();

    const result = await rebuildFromEventStore({ store, source: events, batchSize: 100, retireAfterMs: 0 });
    expect({ ...result, position: String(result.position) }).toMatchObject({
      events: (await readAllEvents(events)).length,
      position: before.watermark,
      skipped: 0,
    });
    expect(await captureReadModels(store, ids)).toEqual(before);
  });

  it('rebuilds from Kafka while commands keep coming, answering queries all along, equal to a replay after', async () => {
    const generation = await store.generation(true);
    const reader = clientFor(api, 'rm-u0');
    let rebuilding = true;
    let reads = 0;
    const failedReads: number[] = [];
    const reading = (async () => {
      while (rebuilding) {
        const response = await reader.get('/v1/wallets/me');
        if (response.status !== 200) failedReads.push(response.status);
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const traffic = runHttpWorkload(api, { seed: seed + 2, prefix: 'rm2', users: 4, steps: 60, concurrency: 2 });
    const result = await rebuildFromKafka({
      bus: relay.get<EventBus>(EVENT_BUS),
      store,
      groupId: `${env.ZAN_TOPIC_PREFIX}.projector`,
      retireAfterMs: 3_000, // well past the api's generation cache (1 s), even on a loaded machine
    });
    await traffic;
    rebuilding = false;
    await reading;

    expect(result.generation).not.toBe(generation);
    expect(await store.generation(true)).toBe(result.generation);
    expect(reads).toBeGreaterThan(20);
    expect(failedReads).toEqual([]);
    await waitUntilProjected(events, store, { credits: api.get(CreditsProcessManager) });
    const ids = await everyId();
    expect(await captureReadModels(store, ids)).toEqual(await captureReadModels(await replay(), ids));
    expect(await generationsIn(env.ZAN_REDIS_PREFIX)).toEqual([result.generation]);
  });

  /** Every message of the topics, by a plain consumer of its own. */
  const readTopics = async (topics: string[]): Promise<{ topic: string; message: KafkaMessage }[]> => {
    const ends = await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0)));
    const expected = ends.reduce((a, b) => a + b, 0);
    const read: { topic: string; message: KafkaMessage }[] = [];
    const consumer = kafka.consumer({ groupId: `${env.ZAN_TOPIC_PREFIX}.copier`, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ topic, message }) => void read.push({ topic, message }) });
    try {
      await eventuallyTrue(`${expected} messages`, async () => read.length >= expected);
    } finally {
      await consumer.disconnect();
    }
    return read;
  };

  const lagOf = async (groupId: string, topics: string[]): Promise<number> => {
    let lag = 0;
    for (const topic of topics) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const end of await admin.fetchTopicOffsets(topic)) {
        const offset = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        lag += Number(end.high) - Math.max(Number(offset), 0);
      }
    }
    return lag;
  };

  const generationsIn = async (prefix: string): Promise<string[]> => {
    const keys = await redis.keys(`${prefix}g[0-9]*`);
    return [...new Set(keys.map((key) => key.slice(prefix.length).split(':')[0]!))];
  };
});

const eventuallyTrue = async (what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
