import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Kafka, logLevel } from 'kafkajs';
import { EVENT_CATEGORIES, redPacketStream, walletStream } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';
import { HEADER, KafkaEventBus, relayCheckpointName } from '@zan/messaging';
import { RelayService } from '../../apps/relay/src/relay.service';
import { eventually } from '../support/eventually';
import { isolation, testServers } from '../support/isolation';
import { dropIsolation } from '../support/stacks';
import { newEvent } from '../support/stored-events';

const escrowed = (redPacketId: string) =>
  newEvent('RedPacketEscrowed', {
    redPacketId,
    senderId: 'ann',
    amount: 100,
    shares: 1,
    mode: 'equal',
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
  });

/**
 * An operator deletes one event topic (`zan.red-packet`) under a running relay, the others intact: "to
 * clear it", or by a wrong name in a clean-up script. The relay published in global order, so it could
 * not go past the first event for the missing topic: it retried for ever ("This server does not host
 * this topic-partition"), and no event of any category reached Kafka again; the wiped-cluster logic
 * did not apply, since the other topics still held messages. The event store is the outbox: the relay
 * must create the topic again and publish the history again, so the topic is whole.
 */
describe('one event topic deleted under a running relay', () => {
  const iso = isolation('topicdeleted');
  const { pgSchema, topicPrefix } = iso;
  const { databaseUrl, kafkaBrokers } = testServers();
  let store: PostgresEventStore;
  const admin = new Kafka({ clientId: 'topic-deleted-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    store = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 4 });
    await admin.connect();
  });

  afterAll(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await store?.eventStore.close();
    await admin.disconnect();
    await dropIsolation(iso);
  });

  /** The ce_id of every message on a topic, read from the beginning. */
  const idsOn = async (topic: string): Promise<Set<string>> => {
    const ids = new Set<string>();
    const high = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
    const consumer = new Kafka({ clientId: 'topic-deleted-reader', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).consumer({
      groupId: `reader-${randomUUID()}`,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let read = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        read++;
        const id = message.headers?.[HEADER.id];
        if (id) ids.add(id.toString());
      },
    });
    await eventually(`every message of ${topic} to be read`, async () => read >= high);
    await consumer.disconnect();
    return ids;
  };

  it('creates the topic again and publishes the history again, so the topic is whole', async () => {
    const bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: 'topic-deleted', topicPrefix, partitions: 1 });
    closers.push(() => bus.close());
    const relay = new RelayService(store.eventStore, store.checkpoints, bus, { checkpointName: relayCheckpointName(topicPrefix), durableCheckpoint: true });
    await relay.onApplicationBootstrap(); // elected (in-process election), as in the app
    closers.push(() => relay.onModuleDestroy());

    const before = [escrowed('p1'), escrowed('p2')];
    await store.eventStore.append(walletStream('ann'), [newEvent('WalletOpened', { userId: 'ann', kind: 'individual' })], 'no_stream');
    await store.eventStore.append(redPacketStream('p1'), [before[0]!], 'no_stream');
    const { position: published } = await store.eventStore.append(redPacketStream('p2'), [before[1]!], 'no_stream');
    await eventually('the first events to be published', async () => relay.publishedThrough >= published);

    const topic = `${topicPrefix}.red-packet`;
    await admin.deleteTopics({ topics: [topic] });
    await eventually('the topic to be gone', async () => !(await admin.listTopics()).includes(topic));

    const after = escrowed('p3');
    await store.eventStore.append(redPacketStream('p3'), [after], 'no_stream');
    const { position: last } = await store.eventStore.append(
      walletStream('ann'),
      [newEvent('WalletFunded', { userId: 'ann', fundingId: 'f1', amount: 5, source: { kind: 'card', cardId: 'c' } })],
      0,
    );
    await eventually('the relay to publish past the deleted topic', async () => relay.publishedThrough >= last, 45_000);
    // The recreated topic holds the red packets escrowed before it was deleted, and the one after.
    expect([...(await idsOn(topic))].sort()).toEqual([...before, after].map((e) => e.id).sort());
  }, 90_000);

  it('publishes the history again when the topic was created again before the next publish (as a consumer restarting does)', async () => {
    // The projector's and the webhook sender's consumers create a missing topic as they restart: the
    // relay's next publish then succeeds on the empty topic, nothing fails, and the history before it
    // was never published there again (the topic held only the events after the deletion).
    const prefix = `${topicPrefix}r`;
    const bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: 'topic-recreated', topicPrefix: prefix, partitions: 1 });
    closers.push(async () => admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(`${prefix}.`)) }));
    closers.push(() => bus.close());
    const relay = new RelayService(store.eventStore, store.checkpoints, bus, { checkpointName: relayCheckpointName(prefix), durableCheckpoint: true });
    await relay.onApplicationBootstrap();
    closers.push(() => relay.onModuleDestroy());
    await eventually('the relay to publish what is stored', async () => relay.publishedThrough >= (await store.eventStore.latestPosition!())!);
    const topic = `${prefix}.red-packet`;
    const before = [...(await idsOn(topic))];
    expect(before.length).toBeGreaterThan(0);

    await admin.deleteTopics({ topics: [topic] });
    await eventually('the topic to be gone', async () => !(await admin.listTopics()).includes(topic));
    const consumers = new KafkaEventBus({ brokers: kafkaBrokers, clientId: 'topic-recreated-consumer', topicPrefix: prefix, partitions: 1 });
    try {
      await consumers.ensureTopics(EVENT_CATEGORIES);
    } finally {
      await consumers.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 600)); // the relay's last look at the topics is older than it trusts

    const after = escrowed('p4');
    const { position: last } = await store.eventStore.append(redPacketStream('p4'), [after], 'no_stream');
    await eventually('the relay to publish the new event', async () => relay.publishedThrough >= last, 45_000);
    expect([...(await idsOn(topic))].sort()).toEqual([...before, after.id].sort());
  }, 90_000);
});
