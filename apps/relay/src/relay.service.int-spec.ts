import { Pool } from 'pg';
import { randomUUID } from 'node:crypto';
import { createPostgresEventStore, type CheckpointStore, type PostgresEventStore } from '@zan/event-store';
import { InProcessEventBus } from '@zan/messaging';
import { isolation, testServers } from '../../../test/support/isolation';
import { RelayService } from './relay.service';

const tipEvent = () => ({
  id: randomUUID(),
  type: 'WalletOpened',
  data: { userId: 'u', kind: 'individual' },
  metadata: { correlationId: randomUUID(), causationId: randomUUID(), userId: 'u' },
  occurredAt: new Date().toISOString(),
});

/**
 * A relay stops and starts again whenever it loses and wins back its leadership (a dropped lock
 * connection). Each new term must publish as the first one did: batches that never fill still go
 * out after the linger.
 */
describe('RelayService across terms of leadership', () => {
  const { pgSchema } = isolation('relay-terms');
  let store: PostgresEventStore;

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: testServers().databaseUrl, schema: pgSchema, poolSize: 4 });
  });

  afterAll(async () => {
    await store?.eventStore.close();
    const pool = new Pool({ connectionString: testServers().databaseUrl, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await pool.end();
  });

  const until = async (condition: () => boolean, what: string) => {
    for (let i = 0; i < 300 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    if (!condition()) throw new Error(`timed out waiting for ${what}`);
  };

  it('publishes a short batch after the linger in a second term, even when stopped with one pending', async () => {
    const bus = new InProcessEventBus({ topicPrefix: `relay-terms-${randomUUID().slice(0, 8)}` });
    const relay = new RelayService(store.eventStore, store.checkpoints, bus, { checkpointName: `relay-${pgSchema}`, durableCheckpoint: true, lingerMs: 200 });
    await relay.start();
    await store.eventStore.append(`wallet-a-${randomUUID()}`, [tipEvent()], 'no_stream');
    // Deposed while a short batch waits for its linger: stop() flushes it.
    await until(() => relay.published + relay['buffer'].length >= 1, 'the first event to be read');
    await relay.stop();
    expect(relay.published).toBe(1);

    // Elected again: a short batch must still leave after the linger, not wait for a full one.
    await relay.start();
    await store.eventStore.append(`wallet-b-${randomUUID()}`, [tipEvent()], 'no_stream');
    await until(() => relay.published === 2, 'the second term to publish its first event');
    await relay.stop();
  });

  it('spaces its checkpoint saves by the interval, and the last one is saved after it, and at once on stop', async () => {
    const saved: bigint[] = [];
    const checkpoints: CheckpointStore = {
      load: (name) => store.checkpoints.load(name),
      save: async (name, position) => {
        saved.push(position);
        await store.checkpoints.save(name, position);
      },
      delete: (name) => store.checkpoints.delete(name),
    };
    const checkpointName = `relay-spaced-${pgSchema}`;
    const bus = new InProcessEventBus({ topicPrefix: `relay-spaced-${randomUUID().slice(0, 8)}` });
    const relay = new RelayService(store.eventStore, checkpoints, bus, { checkpointName, durableCheckpoint: true, lingerMs: 1, checkpointIntervalMs: 300 });
    await relay.start();
    // One event at a time, each its own batch (the linger is 1 ms): 20 batches in well under a second.
    let last = 0n;
    for (let i = 0; i < 20; i++) {
      last = (await store.eventStore.append(`wallet-s${i}-${randomUUID()}`, [tipEvent()], 'no_stream')).position;
      const published = relay.published;
      await until(() => relay.published > published, `event ${i} to be published`);
    }
    expect(saved.length).toBeLessThan(10);
    // The last batch's checkpoint waits no longer than the interval, then is saved.
    await until(() => relay.publishedThrough === last, 'the checkpoint of the last batch');
    expect(await store.checkpoints.load(checkpointName)).toBe(last);
    expect(saved).toEqual([...saved].sort((a, b) => (a < b ? -1 : 1)));

    // Stopped right after a publish: its checkpoint is saved before stop() returns.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const before = relay.published;
    last = (await store.eventStore.append(`wallet-t-${randomUUID()}`, [tipEvent()], 'no_stream')).position;
    await until(() => relay.published === before + 1, 'the event after the pause');
    last = (await store.eventStore.append(`wallet-u-${randomUUID()}`, [tipEvent()], 'no_stream')).position;
    await until(() => relay.published === before + 2, 'the event within the interval');
    expect(relay.publishedThrough).toBeLessThan(last);
    await relay.stop();
    expect(await store.checkpoints.load(checkpointName)).toBe(last);
  });

  it('is never handed an event whose data is no JSON object: the store refuses it, and what follows is published', async () => {
    // Such an event was stored, and the relay, which cannot encode it, retried its batch for ever:
    // nothing stored after it reached the bus ("publish failed (attempt N): ... data must be a JSON object").
    const bus = new InProcessEventBus({ topicPrefix: `relay-data-${randomUUID().slice(0, 8)}` });
    const relay = new RelayService(store.eventStore, store.checkpoints, bus, {
      checkpointName: `relay-data-${pgSchema}`,
      durableCheckpoint: true,
      lingerMs: 1,
    });
    await relay.start();
    try {
      for (const data of [null, [1, 2], 'text', 42]) {
        await expect(store.eventStore.append(`wallet-d-${randomUUID()}`, [{ ...tipEvent(), data }], 'no_stream')).rejects.toThrow(/data must be a JSON object/);
      }
      const { position } = await store.eventStore.append(`wallet-e-${randomUUID()}`, [tipEvent()], 'no_stream');
      await until(() => relay.publishedThrough >= position, 'the event after the refused ones to be published');
    } finally {
      await relay.stop();
    }
  });
});
