import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { StoredEvent } from '@zan/contracts';
import { DuplicateEventError, NO_METADATA, WrongExpectedRevisionError, type AppendResult } from '../event-store.port';
import { isolation, testServers } from '../../../../test/support/isolation';
import { decodePosition } from '../sql/position';
import { migrate } from '../sql/schema';
import { quoteIdent, type SqlClient } from '../sql/sql-client';
import { SqlEventStore } from '../sql/sql-event-store';
import { describeEventStoreContract, expectStrictlyIncreasingPositions, testEvent, testEvents, waitFor } from '../testing/event-store.contract';
import { createPostgresEventStore, type PostgresEventStore } from './postgres-event-store';

jest.setTimeout(60_000);

const { databaseUrl } = testServers();

const dropSchema = async (schema: string): Promise<void> => {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
  } finally {
    await pool.end();
  }
};

describeEventStoreContract('PostgreSQL', async () => {
  const { pgSchema } = isolation('es-contract');
  const store = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 8 });
  return {
    eventStore: store.eventStore,
    checkpoints: store.checkpoints,
    dispose: async () => {
      await store.eventStore.close();
      await dropSchema(pgSchema);
    },
  };
});

describe('PostgreSQL event store', () => {
  const { pgSchema } = isolation('es-pg');
  let store: PostgresEventStore;

  beforeAll(async () => {
    store = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 4, applicationName: pgSchema });
  });

  afterAll(async () => {
    await store?.eventStore.close();
    await dropSchema(pgSchema);
  });

  it('migrates idempotently, also when several processes start at once', async () => {
    await Promise.all([migrate(store.sql, pgSchema), migrate(store.sql, pgSchema), migrate(store.sql, pgSchema)]);
    const { rows } = await store.sql.query<{ version: number }>(`SELECT version FROM ${quoteIdent(pgSchema)}.schema_migrations`);
    expect(rows.map((row) => Number(row.version))).toEqual([1]);
  });

  it('never delivers a later commit ahead of a transaction still in flight, and then delivers each event once, in order', async () => {
    const s = quoteIdent(pgSchema);
    const start = await store.eventStore.headPosition();
    const prefix = `held-${Date.now()}`;
    const ours = (e: StoredEvent) => e.streamId.startsWith(prefix);

    // A second store on the same pool whose only queries are its subscription's reads: counting them
    // tells that the subscription polled.
    let globalReads = 0;
    const counting: SqlClient = {
      query: (text, params) => {
        globalReads += 1;
        return store.sql.query(text, params);
      },
      transaction: (fn) => store.sql.transaction(fn),
      close: async () => undefined,
    };
    const reader = new SqlEventStore(counting, { schema: pgSchema, pollIntervalMs: 20 });
    const delivered: StoredEvent[] = [];
    const subscription = reader.subscribeToAll({
      after: start,
      onEvent: async (event) => {
        if (ours(event)) delivered.push(event);
      },
    });

    // Begin, append, and hold the transaction open.
    let commitHeld!: () => void;
    const held = new Promise<void>((resolve) => (commitHeld = resolve));
    let heldAppended!: () => void;
    const appendedInHeld = new Promise<void>((resolve) => (heldAppended = resolve));
    const heldTransaction = store.sql.transaction(async (tx) => {
      const result = await store.eventStore.appendWithin(tx, `${prefix}-slow`, testEvents(2, 'held'), 'no_stream');
      heldAppended();
      await held;
      return result;
    });
    let heldResult: AppendResult;
    let all: StoredEvent[];
    const later: AppendResult[] = [];
    // Whatever fails, the held transaction ends: an open one would keep the pool from closing.
    try {
      await appendedInHeld;

      // Later transactions commit while it is open.
      for (let i = 0; i < 3; i += 1) later.push(await store.eventStore.append(`${prefix}-fast-${i}`, testEvents(1, 'later'), 'no_stream'));

      // A reader that ignored in-flight transactions would see the later events now...
      const { rows: naive } = await store.sql.query<{ stream_id: string }>(
        `SELECT stream_id FROM ${s}.events WHERE stream_id LIKE $1::text ORDER BY transaction_id, tx_index`,
        [`${prefix}%`],
      );
      expect(naive.map((row) => row.stream_id)).toEqual(later.map((_, i) => `${prefix}-fast-${i}`));
      // ...and move past them, although the held events will take lower positions when they commit.
      const readsWhileHeld = globalReads;
      await waitFor(() => globalReads >= readsWhileHeld + 3, 'the subscription to poll while the transaction is held');
      expect(delivered).toEqual([]);
      expect((await store.eventStore.readAll({ after: start })).filter(ours)).toEqual([]);
      expect(await store.eventStore.headPosition()).toBe(start);

      commitHeld();
      heldResult = await heldTransaction;
      const heldPositions = heldResult.events.map((e) => e.position);
      expect(heldPositions.every((p) => later.every((l) => p < l.position))).toBe(true);

      await waitFor(() => delivered.length >= 5, 'every event after the commit');
      all = (await store.eventStore.readAll({ after: start })).filter(ours);
    } finally {
      commitHeld();
      await heldTransaction.catch(() => undefined);
      await subscription.stop();
      await reader.close();
    }

    const expectedIds = [...heldResult.events, ...later.flatMap((r) => r.events)].map((e) => e.id);
    expect(all.map((e) => e.id)).toEqual(expectedIds);
    expect(delivered.map((e) => e.id)).toEqual(expectedIds);
    expect(new Set(delivered.map((e) => e.id)).size).toBe(5);
    expectStrictlyIncreasingPositions(delivered);
    const order = delivered.map((e) => decodePosition(e.position));
    const sorted = [...order].sort((a, b) => {
      const ta = BigInt(a.transactionId);
      const tb = BigInt(b.transactionId);
      return ta === tb ? a.txIndex - b.txIndex : ta < tb ? -1 : 1;
    });
    expect(order).toEqual(sorted);
  });

  it('orders by transaction id as a number, not as text', async () => {
    const { pgSchema: schema } = isolation('es-order');
    const other = await createPostgresEventStore({ connectionString: databaseUrl, schema, poolSize: 2 });
    try {
      // Old transaction ids either side of a digit boundary, written by hand.
      await other.sql.query(
        `INSERT INTO ${quoteIdent(schema)}.events
           (transaction_id, tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
         VALUES ('1000', 0, gen_random_uuid(), 's', 1, 'T', 1, '{}', '{}', now()),
                ('999', 0, gen_random_uuid(), 's', 0, 'T', 1, '{}', '{}', now())`,
      );
      expect((await other.eventStore.readAll()).map((e) => e.position)).toEqual([99_900_000n, 100_000_000n]);
      expect((await other.eventStore.readAll({ after: 99_900_000n })).map((e) => e.position)).toEqual([100_000_000n]);
      expect(await other.eventStore.headPosition()).toBe(100_000_000n);
    } finally {
      await other.eventStore.close();
      await dropSchema(schema);
    }
  });

  it('upcasts a v1 row written before v2 existed, on every read, and leaves the row as it is', async () => {
    const s = quoteIdent(pgSchema);
    const stream = `wallet-legacy-${Date.now()}`;
    const id = randomUUID();
    const start = await store.eventStore.headPosition();
    // A WalletFunded row as the v1 code stored it: written by hand, not through append().
    await store.sql.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${s}.streams (stream_id, revision) VALUES ($1, 0)`, [stream]);
      await tx.query(
        `INSERT INTO ${s}.events (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
         VALUES (0, $1, $2, 0, 'WalletFunded', 1, $3, $4, '2024-01-01T00:00:00Z')`,
        [
          id,
          stream,
          JSON.stringify({ userId: 'legacy', fundingId: 'f-1', cardId: 'icbc-6222', amount: 50_000 }),
          JSON.stringify({ correlationId: 'c', causationId: 'c', userId: 'legacy' }),
        ],
      );
    });
    const v2 = { id, version: 2, data: { userId: 'legacy', fundingId: 'f-1', amount: 50_000, source: { kind: 'card', cardId: 'icbc-6222' } } };
    expect(await store.eventStore.readStream(stream)).toEqual([expect.objectContaining(v2)]);
    await waitFor(async () => (await store.eventStore.readAll({ after: start })).some((e) => e.id === id), 'the row in readAll');
    expect((await store.eventStore.readAll({ after: start })).find((e) => e.id === id)).toMatchObject(v2);
    const bare = (await store.eventStore.readAll({ after: start, withoutMetadata: true })).find((e) => e.id === id);
    expect(bare).toEqual({ ...(await store.eventStore.readAll({ after: start })).find((e) => e.id === id), metadata: NO_METADATA });
    expect(bare).toMatchObject({ ...v2, streamId: stream, revision: 0, type: 'WalletFunded', occurredAt: '2024-01-01T00:00:00.000Z' });
    const { rows } = await store.sql.query<{ version: number; data: unknown }>(`SELECT version, data FROM ${s}.events WHERE id = $1`, [id]);
    expect(rows).toEqual([{ version: 1, data: { userId: 'legacy', fundingId: 'f-1', cardId: 'icbc-6222', amount: 50_000 } }]);
  });

  it('reads the log without metadata when asked: the same events, each with the empty NO_METADATA, upcast as ever', async () => {
    const start = await store.eventStore.headPosition();
    const streamId = `no-metadata-${randomUUID()}`;
    await store.eventStore.append(streamId, testEvents(5), 'no_stream');
    const ours = (events: StoredEvent[]) => events.filter((e) => e.streamId === streamId);
    await waitFor(async () => ours(await store.eventStore.readAll({ after: start })).length === 5, 'the events in readAll');
    const full = ours(await store.eventStore.readAll({ after: start }));
    const bare = ours(await store.eventStore.readAll({ after: start, withoutMetadata: true }));
    expect(full.map((e) => e.metadata)).toEqual(full.map(() => expect.objectContaining({ correlationId: expect.any(String) })));
    expect(bare.map((e) => e.metadata)).toEqual(full.map(() => NO_METADATA));
    expect(bare.every((e) => e.metadata === NO_METADATA && Object.isFrozen(e.metadata))).toBe(true);
    expect(bare).toEqual(full.map((e) => ({ ...e, metadata: NO_METADATA })));
    // Pages after a position, as a rebuild reads them.
    expect(await store.eventStore.readAll({ after: full[1]!.position, maxCount: 2, withoutMetadata: true })).toEqual(bare.slice(2, 4));
  });

  it('reads pages of concurrent stream reads in one statement, each exactly what it would read alone', async () => {
    const streams = Array.from({ length: 6 }, (_, i) => `batched-${i}-${randomUUID()}`);
    for (const [i, streamId] of streams.entries()) await store.eventStore.append(streamId, testEvents(3 + i), 'no_stream');
    const asks = streams.flatMap((streamId, i) => [
      { streamId, fromRevision: 0, maxCount: 1000 },
      { streamId, fromRevision: i, maxCount: 2 },
      { streamId, fromRevision: 50, maxCount: 10 },
    ]);
    const queries = jest.spyOn(store.sql, 'query');
    try {
      const together = await Promise.all(asks.map(({ streamId, ...options }) => store.eventStore.readStream(streamId, options)));
      // A lone read goes at once, the rest wait for it and go together: far fewer statements than reads.
      expect(queries.mock.calls.length).toBeLessThanOrEqual(3);
      for (const [n, { streamId, fromRevision, maxCount }] of asks.entries()) {
        const all = await store.eventStore.readStream(streamId);
        expect(together[n]).toEqual(all.filter((e) => e.revision >= fromRevision).slice(0, maxCount));
      }
    } finally {
      queries.mockRestore();
    }
  });

  it('numbers events of several appends in one transaction consecutively', async () => {
    const prefix = `within-${Date.now()}`;
    const [a, b] = await store.sql.transaction(async (tx) => [
      await store.eventStore.appendWithin(tx, `${prefix}-a`, testEvents(2), 'no_stream'),
      await store.eventStore.appendWithin(tx, `${prefix}-b`, testEvents(3), 'no_stream'),
    ]);
    const positions = [...a.events, ...b.events].map((e) => decodePosition(e.position));
    expect(new Set(positions.map((p) => p.transactionId)).size).toBe(1);
    expect(positions.map((p) => p.txIndex)).toEqual([0, 1, 2, 3, 4]);
    expect((await store.eventStore.readStream(`${prefix}-b`)).map((e) => e.position)).toEqual(b.events.map((e) => e.position));
  });

  it('commits concurrent appends in groups, one transaction for many streams; alone without group commit', async () => {
    const prefix = `group-${Date.now()}`;
    const appendMany = (target: SqlEventStore, tag: string) =>
      Promise.all(Array.from({ length: 60 }, (_, i) => target.append(`${prefix}-${tag}-${i}`, testEvents(2), 'no_stream')));
    const transactionsOf = (results: AppendResult[]) => new Set(results.flatMap((r) => r.events.map((e) => decodePosition(e.position).transactionId)));

    const grouped = await appendMany(store.eventStore, 'grouped');
    // Sixty appends in flight at once on a pool of four: they cannot have needed sixty transactions.
    expect(transactionsOf(grouped).size).toBeLessThan(30);
    // Within a group, each append's events are consecutive and in order.
    for (const result of grouped) {
      const [first, second] = result.events.map((e) => decodePosition(e.position));
      expect(second.transactionId).toBe(first.transactionId);
      expect(second.txIndex).toBe(first.txIndex + 1);
    }

    const alone = new SqlEventStore(store.sql, { schema: pgSchema, groupCommit: false });
    expect(transactionsOf(await appendMany(alone, 'alone')).size).toBe(60);
  });

  it('lets two processes group-commit on the same streams at once: no deadlock, no lost or doubled revision', async () => {
    // Two stores (as two api processes) append to one set of streams in opposite orders, each append
    // at the revision its writer last saw, retrying on conflict: groups lock streams in id order, and
    // anything a group cannot settle is retried alone, so every append ends in success or a typed refusal.
    const prefix = `two-procs-${Date.now()}`;
    const other = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 4 });
    try {
      const streams = Array.from({ length: 12 }, (_, i) => `${prefix}-${i}`);
      await Promise.all(streams.map((id) => store.eventStore.append(id, testEvents(1), 'no_stream')));
      const writer = async (target: SqlEventStore, order: string[], tag: string) => {
        let written = 0;
        for (let round = 0; round < 5; round++) {
          await Promise.all(
            order.map(async (id) => {
              for (let attempt = 0; attempt < 50; attempt++) {
                const [last] = await target.readStream(id, { direction: 'backwards', maxCount: 1 });
                try {
                  await target.append(id, [testEvent({ tag, round })], last!.revision);
                  written += 1;
                  return;
                } catch (error) {
                  if (!(error instanceof WrongExpectedRevisionError)) throw error;
                }
              }
              throw new Error(`${tag} never got into ${id}`);
            }),
          );
        }
        return written;
      };
      const [a, b] = await Promise.all([writer(store.eventStore, streams, 'a'), writer(other.eventStore, [...streams].reverse(), 'b')]);
      expect(a + b).toBe(2 * 5 * streams.length);
      for (const id of streams) {
        const events = await store.eventStore.readStream(id);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 11 }, (_, i) => i));
        expect(new Set(events.map((e) => e.position)).size).toBe(11);
      }
    } finally {
      await other.eventStore.close();
    }
  });

  describe('a group whose connection is lost', () => {
    const statementOfGroup = (text: string) => text.includes('jsonb_to_recordset($1::text::jsonb)');
    /**
     * The store's client whose statements run for real, but the connection "drops" before the answer
     * of each statement `loses` picks arrives; `lost()` counts them.
     */
    const answersLost = (loses: (text: string, params?: readonly unknown[]) => boolean) => {
      let lost = 0;
      const client: SqlClient = {
        query: async <R>(text: string, params?: readonly unknown[]) => {
          const result = await store.sql.query<R>(text, params);
          if (loses(text, params)) {
            lost += 1;
            throw Object.assign(new Error('Connection terminated unexpectedly'), { code: undefined });
          }
          return result;
        },
        transaction: (fn) => store.sql.transaction(fn),
        close: async () => undefined,
      };
      return { client, lost: () => lost };
    };

    it('retries each append alone when its backend is terminated mid-statement: every append stored once', async () => {
      const prefix = `terminated-${Date.now()}`;
      const locked = `${prefix}-locked`;
      await store.eventStore.append(locked, testEvents(1), 'no_stream');
      // Another session holds the locked stream's row, so the group statement that needs it waits
      // (and can be found waiting) until its backend is terminated.
      const locker = new Client({ connectionString: databaseUrl });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`SELECT 1 FROM ${quoteIdent(pgSchema)}.streams WHERE stream_id = $1 FOR UPDATE`, [locked]);
        // Two lone appends take the two group slots; the rest queue and then go as one group.
        const appends = [
          store.eventStore.append(`${prefix}-first`, testEvents(1), 'no_stream'),
          store.eventStore.append(`${prefix}-second`, testEvents(1), 'no_stream'),
          store.eventStore.append(locked, testEvents(1, 'late'), 0),
          ...Array.from({ length: 10 }, (_, i) => store.eventStore.append(`${prefix}-${i}`, testEvents(2, `g${i}`), 'no_stream')),
        ];
        let waiting: number[] = [];
        await waitFor(async () => {
          const { rows } = await locker.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [
            pgSchema,
          ]);
          waiting = rows.map((row) => row.pid);
          return waiting.length === 1;
        }, 'the group statement to wait on the lock');
        await locker.query('SELECT pg_terminate_backend($1)', [waiting[0]]);
        await locker.query('ROLLBACK');
        const results = await Promise.allSettled(appends);
        expect(results.map((r) => r.status)).toEqual(results.map(() => 'fulfilled'));
      } finally {
        await locker.end();
      }
      expect((await store.eventStore.readStream(locked)).map((e) => e.revision)).toEqual([0, 1]);
      for (let i = 0; i < 10; i++) expect(await store.eventStore.readStream(`${prefix}-${i}`)).toHaveLength(2);
    });

    it('answers a duplicate, never a second copy, when the statement committed and only its answer was lost', async () => {
      const prefix = `answer-lost-${Date.now()}`;
      // The first group statement of several appends loses its answer.
      const losing = answersLost((text, params) => losing.lost() === 0 && statementOfGroup(text) && (JSON.parse(String(params?.[0])) as unknown[]).length > 1);
      const writer = new SqlEventStore(losing.client, { schema: pgSchema });
      const events = Array.from({ length: 8 }, (_, i) => testEvents(2, `l${i}`));
      const results = await Promise.allSettled(events.map((batch, i) => writer.append(`${prefix}-${i}`, batch, 'no_stream')));
      expect(losing.lost()).toBe(1);
      const duplicates = results.flatMap((r, i) => (r.status === 'rejected' ? [{ i, reason: r.reason as unknown }] : []));
      expect(duplicates.length).toBeGreaterThan(1);
      for (const { i, reason } of duplicates) {
        expect(reason).toBeInstanceOf(DuplicateEventError);
        expect((reason as DuplicateEventError).eventIds.sort()).toEqual(events[i].map((e) => e.id).sort());
      }
      // Stored exactly once, whatever each caller heard.
      for (const [i, batch] of events.entries()) {
        expect((await store.eventStore.readStream(`${prefix}-${i}`)).map((e) => e.id)).toEqual(batch.map((e) => e.id));
      }
      await writer.close();
    });

    it('answers a duplicate, never a second copy, when a lone append (its own lean statement) committed and its answer was lost', async () => {
      const id = `lone-lost-${Date.now()}`;
      // Every lone append's statement loses its answer.
      const losing = answersLost((text) => text.includes('WITH claimed AS'));
      const writer = new SqlEventStore(losing.client, { schema: pgSchema });
      const created = testEvents(2, 'lone-a');
      const moved = testEvents(1, 'lone-b');
      // The stream created, then moved from revision 1: each statement commits and its answer is lost.
      const first = await writer.append(id, created, 'no_stream').then(
        () => undefined,
        (error: unknown) => error,
      );
      const second = await writer.append(id, moved, 1).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(losing.lost()).toBe(2);
      for (const outcome of [first, second]) if (outcome !== undefined) expect(outcome).toBeInstanceOf(DuplicateEventError);
      expect((await store.eventStore.readStream(id)).map((e) => e.id)).toEqual([...created, ...moved].map((e) => e.id));
      await writer.close();
    });
  });

  it('keeps pooled connections through version conflicts and duplicate ids', async () => {
    // The field note, checked: pool.query() throws the connection away on every failed statement.
    const naivePool = new Pool({ connectionString: databaseUrl, max: 2 });
    let naiveConnects = 0;
    naivePool.on('connect', () => (naiveConnects += 1));
    for (let i = 0; i < 5; i += 1) await naivePool.query('SELECT 1/0').catch(() => undefined);
    await naivePool.end();
    expect(naiveConnects).toBeGreaterThan(2);

    const id = `contended-${Date.now()}`;
    const original = testEvent();
    await store.eventStore.append(id, [original], 'no_stream');
    // Fill the pool first, so that any connection opened below replaces one thrown away.
    await Promise.all(Array.from({ length: 4 }, () => store.sql.query('SELECT pg_sleep(0.05)')));
    const before = store.sql.stats().connectionsOpened;
    for (let round = 0; round < 5; round += 1) {
      const outcomes = await Promise.allSettled([
        ...Array.from({ length: 10 }, () => store.eventStore.append(id, testEvents(1), 'no_stream')),
        ...Array.from({ length: 10 }, () => store.eventStore.append(`${id}-dup-${round}`, [{ ...testEvent(), id: original.id }], 'any')),
      ]);
      const reasons = outcomes.map((o) => (o.status === 'rejected' ? o.reason : o.value));
      expect(reasons.slice(0, 10).every((r) => r instanceof WrongExpectedRevisionError)).toBe(true);
      expect(reasons.slice(10).every((r) => r instanceof DuplicateEventError)).toBe(true);
    }
    const after = store.sql.stats();
    expect(after.connectionsOpened - before).toBe(0);
    expect(after.total).toBeLessThanOrEqual(4);
    expect(await store.eventStore.readStream(id)).toHaveLength(1);
  });

  it('does not report a transaction as committed when a statement in it failed', async () => {
    const opened = store.sql.stats().connectionsOpened;
    await expect(
      store.sql.transaction(async (tx) => {
        await tx.query('SELECT 1/0').catch(() => undefined);
      }),
    ).rejects.toThrow(/rolled back/);
    expect(store.sql.stats().connectionsOpened).toBe(opened);
  });

  it('wakes a subscriber through NOTIFY when another process appends', async () => {
    const other = await createPostgresEventStore({ connectionString: databaseUrl, schema: pgSchema, poolSize: 2 });
    // A poll interval far beyond the wait below: only a notification can deliver in time.
    const listening = new SqlEventStore(store.sql, { schema: pgSchema, pollIntervalMs: 60_000 });
    try {
      const start = await store.eventStore.headPosition();
      const id = `notified-${Date.now()}`;
      const seen: StoredEvent[] = [];
      let caughtUp = false;
      listening.subscribeToAll({
        after: start,
        onEvent: async (event) => {
          if (event.streamId === id) seen.push(event);
        },
        onCaughtUp: () => (caughtUp = true),
      });
      await waitFor(() => caughtUp, 'catch-up');
      // LISTEN is issued when the subscription starts; wait until the server has registered it.
      await waitFor(async () => {
        const { rows } = await store.sql.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM pg_stat_activity
           WHERE application_name = $1::text AND state = 'idle' AND query LIKE 'LISTEN %'`,
          [`${pgSchema}-listen`],
        );
        return Number(rows[0].n) > 0;
      }, 'the LISTEN connection');
      const payloads: string[] = [];
      const unlisten = await store.sql.listen(`${pgSchema}.events`, (payload) => payloads.push(payload));
      const { position } = await other.eventStore.append(id, testEvents(1), 'no_stream');
      await waitFor(() => seen.length === 1, 'a notified delivery', 10_000);
      await waitFor(() => payloads.includes(position.toString()), 'the position as NOTIFY payload');
      await unlisten();
    } finally {
      await listening.close();
      await other.eventStore.close();
    }
  });
});
