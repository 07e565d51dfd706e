import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { walletStream, type WalletKind } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { KafkaEventBus, relayCheckpointName } from '@zan/messaging';
import { RedisReadModelStore } from '@zan/read-models';
import { ProjectorService } from '../../apps/projector/src/projector.service';
import { RelayService } from '../../apps/relay/src/relay.service';
import { eventually } from '../support/eventually';
import { isolation, testServers } from '../support/isolation';
import { newEvent, walletFunded } from '../support/stored-events';
import { dropIsolation } from '../support/stacks';

const PARTITIONS_AFTER = 4;
/** Enough events before the wallet's on partition 0 that a consumer's first fetch (1 MB a partition) stops short of them. */
const FILLER_STREAMS = 40;
const FILLER_EVENTS_EACH = 80;

const opened = (userId: string, kind: WalletKind = 'individual') => newEvent('WalletOpened', { userId, kind });

/** The partition the relay's producer (murmur2, as the Java client) gives a key on a topic of `count` partitions. */
const partitionOf = (key: string, count: number): number =>
  Partitioners.DefaultPartitioner()({
    topic: 't',
    partitionMetadata: Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 })),
    message: { key, value: null },
  });

/**
 * An operator adds partitions to `zan.wallet` under a running Zan, "to scale the projectors". A
 * wallet's next event then hashes to another partition than its earlier ones, and a projector still
 * working through the old partition applies the later revision first and drops the earlier ones as
 * already applied (revision <= last applied): the read model loses money for good, and so does any
 * subscriber that dedupes on (subject, sequence). The relay must not publish on a partition count
 * other than the one the topic's history was published with: it refuses, saying why and what to do.
 */
describe('partitions added to a live topic', () => {
  const { pgSchema, redisPrefix, topicPrefix } = isolation('partitions');
  const { databaseUrl, redisUrl, kafkaBrokers } = testServers();
  const checkpointName = relayCheckpointName(topicPrefix);
  let store: PostgresEventStore;
  let readModels: RedisReadModelStore;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']); // the projector's debug line per event, outside an app
    store = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 4 });
    readModels = new RedisReadModelStore({ redis: redisUrl, prefix: redisPrefix });
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await readModels?.close();
    await store?.eventStore.close();
    await dropIsolation({ pgSchema, redisPrefix, topicPrefix });
  });

  const newBus = () => {
    const bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: `partitions-${randomUUID().slice(0, 6)}`, topicPrefix, partitions: 1 });
    closers.push(() => bus.close());
    return bus;
  };
  const newRelay = (bus: KafkaEventBus) => new RelayService(store.eventStore, store.checkpoints, bus, { checkpointName, durableCheckpoint: true, lingerMs: 5 });

  it('refuses to publish on the new partition count, so no stream is split and no read model drops an event', async () => {
    // A wallet whose key lands on another partition once the topic has PARTITIONS_AFTER.
    let userId = '';
    do userId = `moved-${randomUUID().slice(0, 8)}`;
    while (partitionOf(walletStream(userId), PARTITIONS_AFTER) === 0);

    // The history, published on one partition: many other wallets, then this wallet's first events.
    for (let s = 0; s < FILLER_STREAMS; s++) {
      const other = `filler-${s}-${randomUUID().slice(0, 6)}`;
      await store.eventStore.append(
        walletStream(other),
        [opened(other), ...Array.from({ length: FILLER_EVENTS_EACH - 1 }, (_, i) => walletFunded(other, 1 + i))],
        'no_stream',
      );
    }
    await store.eventStore.append(
      walletStream(userId),
      [opened(userId), walletFunded(userId, 100), walletFunded(userId, 200), walletFunded(userId, 300), walletFunded(userId, 400)],
      'no_stream',
    );
    const before = 100 + 200 + 300 + 400;
    const firstBus = newBus();
    const relay = newRelay(firstBus);
    await relay.start();
    const head = (await store.eventStore.headPosition())!;
    await eventually('the history to be published', async () => relay.publishedThrough === head);
    await relay.stop();

    // The operator adds partitions; the wallet is funded again; the relay is restarted (a deploy).
    const admin = new Kafka({ clientId: 'partitions-operator', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    closers.push(() => admin.disconnect());
    await admin.createPartitions({ topicPartitions: [{ topic: `${topicPrefix}.wallet`, count: PARTITIONS_AFTER }] });
    await eventually('the new partitions to have leaders', () =>
      admin.fetchTopicOffsets(`${topicPrefix}.wallet`).then(
        () => true,
        () => false,
      ),
    );
    const { position: last } = await store.eventStore.append(walletStream(userId), [walletFunded(userId, 500)], 4);
    const secondBus = newBus();
    const restarted = newRelay(secondBus);
    const atStart = await restarted.start().then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    closers.push(() => restarted.stop());
    // The broker may still answer the old partition count when the relay starts: it then refuses at
    // its first publish instead (the publisher sees the new count). Either way it must refuse.
    if (!atStart) {
      await eventually('the relay to publish the last funding or refuse', async () => restarted.refusal !== undefined || restarted.publishedThrough === last);
    }
    const refusal = atStart ?? restarted.refusal;
    // Whatever the relay did, the wallet's events on Kafka are all it could publish.
    const published = refusal ? before : before + 500;

    // A projector that was behind (a fresh group reading the history from the start).
    const projector = new ProjectorService(secondBus, readModels, { groupId: `${topicPrefix}.projector` });
    await projector.start();
    closers.push(() => projector.stop());
    await eventually(
      'the projector to consume every wallet message',
      async () => projector.applied > 0 && (await secondBus.lag(`${topicPrefix}.projector`, ['wallet'])) === 0,
      45_000,
    );
    // Every funding on Kafka is in the balance: none dropped as "already applied".
    expect((await readModels.wallet(userId))?.balance).toBe(published);

    // The relay refused, naming the topic, both counts and what the operator does next.
    expect(refusal?.message).toMatch(new RegExp(`${topicPrefix}\\.wallet.*1 partition.*${PARTITIONS_AFTER}`, 's'));
    expect(refusal?.message).toMatch(/zan kafka accept-partitions/);
    const offsets = await admin.fetchTopicOffsets(`${topicPrefix}.wallet`);
    expect(offsets.filter((p) => p.partition !== 0).map((p) => p.high)).toEqual(['0', '0', '0']);
  }, 120_000);
});
