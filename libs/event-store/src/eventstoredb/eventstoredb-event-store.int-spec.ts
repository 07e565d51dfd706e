import { randomUUID } from 'node:crypto';
import { KurrentDBClient, jsonEvent } from '@kurrent/kurrentdb-client';
import type { StoredEvent } from '@zan/contracts';
import { isolation } from '../../../../test/support/isolation';
import { describeEventStoreContract, testEvent, testEvents, waitFor, waitUntilReadable } from '../testing/event-store.contract';
import { createEventStoreDbEventStore, type EventStoreDbStores } from './create-eventstoredb-event-store';
import { EventStoreDbEventStore } from './eventstoredb-event-store';
import { ZAN_STREAM_PREFIXES, normaliseConnectionString } from './records';

/**
 * Runs against a real EventStoreDB / KurrentDB when EVENTSTORE_URL is set, e.g.
 *   docker run -p 2113:2113 -e KURRENTDB_INSECURE=true -e KURRENTDB_MAX_APPEND_SIZE=16777216 \
 *     docker.kurrent.io/kurrent-lts/kurrentdb:26.0.3
 *   EVENTSTORE_URL='kurrentdb://127.0.0.1:2113?tls=false' ZAN_SKIP_KAFKA_START=1 npx jest libs/event-store/src/eventstoredb
 * The contract's 5000-event append and 1 MB payload need a max append size above 1 MiB (the default
 * up to KurrentDB 25.0, which refuses to start above 16 MiB - 10000 bytes; 25.1 and later default to 256 MiB).
 * No server can run on the machines Zan is built on: there the suite reports that it skipped.
 */
const url = process.env.EVENTSTORE_URL;

jest.setTimeout(60_000);

if (!url) {
  console.log('EventStoreDB contract suite SKIPPED: set EVENTSTORE_URL (e.g. kurrentdb://127.0.0.1:2113?tls=false) to run it against a real server');
  describe.skip('EventStore contract: EventStoreDB (skipped: EVENTSTORE_URL is not set)', () => {
    it('runs the contract suite against the server at EVENTSTORE_URL', () => undefined);
  });
} else {
  const prefixes = [...ZAN_STREAM_PREFIXES, 'contract-'];
  const checkpointStreamPrefix = () => `zan-checkpoint-${isolation('esdb').id}-`;

  describeEventStoreContract('EventStoreDB', async () => {
    const stores = await createEventStoreDbEventStore({ connectionString: url, streamPrefixes: prefixes, checkpointStreamPrefix: checkpointStreamPrefix() });
    return {
      eventStore: stores.eventStore,
      checkpoints: stores.checkpoints,
      uniqueIdsAcrossStreams: false,
      dispose: () => stores.eventStore.close(),
    };
  });

  describe('EventStoreDB event store', () => {
    let stores: EventStoreDbStores;
    let raw: KurrentDBClient;

    beforeAll(async () => {
      stores = await createEventStoreDbEventStore({ connectionString: url, streamPrefixes: prefixes, checkpointStreamPrefix: checkpointStreamPrefix() });
      raw = KurrentDBClient.connectionString(normaliseConnectionString(url));
    });

    afterAll(async () => {
      await stores?.eventStore.close();
      await raw?.dispose();
    });

    it("keeps Zan's version, time and metadata in the event metadata, and the data as JSON", async () => {
      const id = `contract-raw-${randomUUID()}`;
      const event = testEvent(
        { userId: 'u1', fundingId: 'f', cardId: 'c', amount: 1 },
        { type: 'WalletFunded', version: 1, occurredAt: '2024-03-01T08:00:00+08:00' },
      );
      await stores.eventStore.append(id, [event], 'no_stream');
      const [resolved] = await collect(raw.readStream(id));
      expect(resolved.event).toMatchObject({ id: event.id, type: 'WalletFunded', isJson: true, data: event.data });
      expect(resolved.event?.metadata).toMatchObject({
        zan: { version: 1, occurredAt: '2024-03-01T00:00:00.000Z', appendId: expect.any(String) },
        metadata: event.metadata,
        $correlationId: event.metadata.correlationId,
        $causationId: event.metadata.causationId,
      });
      // Stored as v1, never rewritten: every read upcasts it.
      expect((await stores.eventStore.readStream(id))[0]).toMatchObject({ version: 2, data: { source: { kind: 'card', cardId: 'c' } } });
    });

    it("reads only Zan's streams from $all: other applications' events and checkpoints stay out", async () => {
      const before = await stores.eventStore.headPosition();
      const foreign = `other-app-${randomUUID()}`;
      await raw.appendToStream(foreign, jsonEvent({ type: 'SomethingElse', data: { n: 1 } }));
      await stores.checkpoints.save(`filter-${randomUUID()}`, 1n);
      const ours = await stores.eventStore.append(`contract-filter-${randomUUID()}`, testEvents(1), 'no_stream');
      await waitUntilReadable(stores.eventStore, ours.position);
      const read = await stores.eventStore.readAll({ after: before });
      expect(read.map((e) => e.streamId).filter((s) => !prefixes.some((p) => s.startsWith(p)))).toEqual([]);
      expect(read.map((e) => e.id)).toContain(ours.events[0].id);
      expect(await stores.eventStore.headPosition()).toBe(ours.position);
    });

    it('wakes a caught-up subscription through the live signal, without waiting for a poll', async () => {
      const quiet = new EventStoreDbEventStore(raw, { streamPrefixes: prefixes, pollIntervalMs: 60_000 });
      const writer = await createEventStoreDbEventStore({ connectionString: url, streamPrefixes: prefixes });
      try {
        const id = `contract-live-${randomUUID()}`;
        const seen: StoredEvent[] = [];
        let caughtUp = false;
        quiet.subscribeToAll({
          after: await quiet.headPosition(),
          onEvent: async (e) => void (e.streamId === id && seen.push(e)),
          onCaughtUp: () => (caughtUp = true),
        });
        await waitFor(() => caughtUp, 'catch-up');
        await new Promise((resolve) => setTimeout(resolve, 500)); // the live subscription is confirmed
        await writer.eventStore.append(id, testEvents(1), 'no_stream');
        await waitFor(() => seen.length === 1, 'a delivery woken by the live subscription', 10_000);
      } finally {
        await quiet.close();
        await writer.eventStore.close();
      }
    });

    it('lets one of several processes racing to append the same ids win; the others get a duplicate', async () => {
      // Each process checks the stream, then appends: the losers meet a conflict or the server's
      // idempotent answer, and both must come out as DuplicateEventError.
      const others = await Promise.all(Array.from({ length: 4 }, () => createEventStoreDbEventStore({ connectionString: url, streamPrefixes: prefixes })));
      try {
        for (let round = 0; round < 5; round += 1) {
          const id = `contract-twins-${randomUUID()}`;
          const events = testEvents(2);
          const outcomes = await Promise.allSettled(
            [stores, ...others].map((s) =>
              s.eventStore.append(
                id,
                events.map((e) => ({ ...e })),
                'no_stream',
              ),
            ),
          );
          expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
          for (const lost of outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected')) {
            expect((lost.reason as Error).name).toBe('DuplicateEventError');
          }
          const stored = await collect(raw.readStream(id));
          expect(stored.map((r) => r.event?.id)).toEqual(events.map((e) => e.id));
        }
      } finally {
        await Promise.all(others.map((o) => o.eventStore.close()));
      }
    });
  });
}

const collect = async <T>(iterable: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
};
