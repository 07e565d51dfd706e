import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoredEvent } from '@zan/contracts';
import { SqlEventStore } from '../sql/sql-event-store';
import { describeEventStoreContract, testEvents, waitFor } from '../testing/event-store.contract';
import { createEmbeddedEventStore, type EmbeddedEventStore } from './embedded-event-store';

jest.setTimeout(60_000);

// One PGlite instance for the whole file: it takes seconds to start.
const root = mkdtempSync(join(tmpdir(), 'zan-embedded-'));
const dataDir = join(root, 'not', 'yet', 'there');
let store: EmbeddedEventStore;

beforeAll(async () => {
  store = await createEmbeddedEventStore({ dataDir });
});

afterAll(async () => {
  await store?.eventStore.close();
  rmSync(root, { recursive: true, force: true });
});

describeEventStoreContract('embedded (PGlite)', async () => ({
  eventStore: store.eventStore,
  checkpoints: store.checkpoints,
  dispose: async () => undefined,
}));

describe('embedded event store', () => {
  it('wakes its own subscribers on append, without waiting for a poll', async () => {
    const start = await store.eventStore.headPosition();
    const seen: StoredEvent[] = [];
    let caughtUp = false;
    // A poll interval beyond the wait below: the in-process signal (or NOTIFY) must do it.
    const quiet = new SqlEventStore(store.sql, { schema: store.schema, pollIntervalMs: 60_000 });
    const subscription = quiet.subscribeToAll({
      after: start,
      onEvent: async (event) => {
        if (event.streamId === 'woken') seen.push(event);
      },
      onCaughtUp: () => (caughtUp = true),
    });
    await waitFor(() => caughtUp, 'catch-up');
    await quiet.append('woken', testEvents(1), 'no_stream');
    await waitFor(() => seen.length === 1, 'a delivery woken by the append', 10_000);
    await subscription.stop();
    await quiet.close();
  });

  it('does not report a transaction as committed when a statement in it failed', async () => {
    await expect(
      store.sql.transaction(async (tx) => {
        await tx.query('SELECT 1/0').catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back/);
    expect((await store.sql.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
  });

  it('keeps events and checkpoints when closed and reopened on the same folder', async () => {
    const stream = `reopen-${Date.now()}`;
    const appended = await store.eventStore.append(stream, testEvents(3, 'kept'), 'no_stream');
    await store.checkpoints.save('reopen-test', appended.position);
    const before = await store.eventStore.readAll();
    await store.eventStore.close();

    store = await createEmbeddedEventStore({ dataDir });
    expect(await store.eventStore.readStream(stream)).toEqual(appended.events);
    expect(await store.eventStore.readAll()).toEqual(before);
    expect(await store.checkpoints.load('reopen-test')).toBe(appended.position);
    const next = await store.eventStore.append(stream, testEvents(1, 'after'), 2);
    expect(next.position > appended.position).toBe(true);
    expect(next.nextExpectedRevision).toBe(3);
  });
});
