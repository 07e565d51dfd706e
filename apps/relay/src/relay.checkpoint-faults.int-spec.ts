import { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { createPostgresEventStore, type CheckpointStore, type PostgresEventStore } from '@zan/event-store';
import { KafkaEventBus } from '@zan/messaging';
import { isolation, testServers } from '../../../test/support/isolation';
import { RelayService } from './relay.service';

jest.setTimeout(60_000);

/** Checkpoint saves fail (an injected fault in a wrapper of the real store) while `failing` is set. */
class FailingSaves implements CheckpointStore {
  failing = true;
  attempts = 0;
  constructor(private readonly inner: CheckpointStore) {}
  load(name: string) {
    return this.inner.load(name);
  }
  save(name: string, position: bigint) {
    this.attempts++;
    return this.failing ? Promise.reject(new Error('injected: checkpoint not saved')) : this.inner.save(name, position);
  }
  delete(name: string) {
    return this.inner.delete(name);
  }
}

/**
 * The relay publishes a batch to Kafka, then cannot save its checkpoint: the checkpoint must stay
 * behind what it cannot prove saved, and a relay elected after (or this one again) publishes the
 * batch again (at least once) rather than skipping it. Real PostgreSQL and Kafka.
 */
describe('RelayService when the checkpoint save fails after a publish', () => {
  const { pgSchema, topicPrefix } = isolation('relay-ckpt');
  const { databaseUrl, kafkaBrokers } = testServers();
  let store: PostgresEventStore;
  let bus: KafkaEventBus;
  const admin = new Kafka({ clientId: 'relay-ckpt-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING }).admin();

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 4 });
    bus = new KafkaEventBus({ brokers: kafkaBrokers, clientId: 'relay-ckpt', topicPrefix, partitions: 1 });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
    await bus?.close();
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  const until = async (condition: () => boolean | Promise<boolean>, what: string): Promise<void> => {
    for (let i = 0; i < 3000; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const onKafka = async (): Promise<number> => (await admin.fetchTopicOffsets(bus.topicFor('wallet'))).reduce((sum, p) => sum + Number(p.high), 0);
  const opened = (userId: string) => ({
    id: randomUUID(),
    type: 'WalletOpened',
    data: { userId, kind: 'individual' },
    metadata: { correlationId: randomUUID(), causationId: randomUUID(), userId },
    occurredAt: new Date().toISOString(),
  });

  it('keeps the checkpoint behind, and the next term publishes the batch again', async () => {
    const checkpointName = `relay-${pgSchema}`;
    const checkpoints = new FailingSaves(store.checkpoints);
    const relay = new RelayService(store.eventStore, checkpoints, bus, { checkpointName, durableCheckpoint: true, lingerMs: 5 });
    let last = 0n;
    for (const user of ['a', 'b', 'c']) last = (await store.eventStore.append(`wallet-${user}-${randomUUID()}`, [opened(user)], 'no_stream')).position;
    await until(async () => (await store.eventStore.headPosition()) === last, 'the events to be visible');
    await relay.start(); // reads the three as one batch

    await until(() => relay.published === 3 && checkpoints.attempts >= 2, 'the batch to be published and its checkpoint save to fail twice');
    // The save is retried while the relay runs: the checkpoint never passes it meanwhile.
    expect(await onKafka()).toBe(3);
    expect(relay.publishedThrough).toBe(0n);
    expect(await store.checkpoints.load(checkpointName)).toBeUndefined();

    // Deposed (or shut down) while saves still fail: nothing claims the batch was relayed.
    await relay.stop();
    expect(await store.checkpoints.load(checkpointName)).toBeUndefined();

    // Elected again with the database back: the batch goes out again, then the checkpoint follows.
    checkpoints.failing = false;
    await relay.start();
    await until(() => relay.publishedThrough === last, 'the second term to publish through the last event');
    expect(await store.checkpoints.load(checkpointName)).toBe(last);
    expect(await onKafka()).toBe(6);
    await relay.stop();
  });
});
