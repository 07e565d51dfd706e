import { currentVersion, upcast, type EventMetadata, type NewEvent, type StoredEvent } from '@zan/contracts';
import {
  DuplicateEventError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type Subscription,
  type SubscriptionOptions,
} from '../event-store.port';
import { assertFromRevision, assertMaxCount, validateAppend } from '../append-validation';
import { startCatchUpSubscription } from '../subscription/catch-up-subscription';
import { Wakeup } from '../subscription/wakeup';
import { GroupCommit } from './group-commit';
import { decodePosition, encodePosition } from './position';
import { assertSchemaName, DEFAULT_SCHEMA, eventsChannel, TX_INDEX_LIMIT } from './schema';
import { quoteIdent, sqlState, SQLSTATE, type SqlClient, type SqlQueryable, type SqlTx } from './sql-client';

export interface SqlEventStoreOptions {
  /** Schema holding the tables (migrated beforehand, see migrate()). Default `zan`. */
  schema?: string;
  /** A caught-up subscription reads again after this long without a wake-up (default 250 ms). */
  pollIntervalMs?: number;
  /** close() also closes the SqlClient (the factories hand over theirs). */
  ownsClient?: boolean;
  /**
   * Concurrent appends with an exact expectation (a revision or no stream) commit together, one
   * statement per group (see group-commit.ts). Default on; off, every append is its own transaction.
   */
  groupCommit?: boolean;
}

interface EventRow {
  transaction_id: string;
  tx_index: number;
  id: string;
  stream_id: string;
  revision: string | number;
  type: string;
  version: number;
  data: unknown;
  metadata: EventMetadata;
  occurred_at: string;
}

/**
 * The EventStore over one SQL schema, on any SqlClient (PostgreSQL or PGlite).
 *
 * Global order is (transaction_id, tx_index) and readers only take rows of transactions older than
 * every transaction still in flight (`pg_snapshot_xmin`), so a slow commit is delivered late, never
 * skipped. See the README for the position scheme.
 */
export class SqlEventStore implements EventStore {
  private readonly schema: string;
  private readonly t: { streams: string; events: string };
  private readonly channel: string;
  private readonly pollIntervalMs: number;
  private readonly wakeup = new Wakeup();
  private readonly subscriptions = new Set<Subscription>();
  private unlisten?: Promise<(() => Promise<void>) | undefined>;
  private closed = false;
  private readonly group?: GroupCommit;

  constructor(
    private readonly sql: SqlClient,
    private readonly options: SqlEventStoreOptions = {},
  ) {
    this.schema = assertSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const s = quoteIdent(this.schema);
    this.t = { streams: `${s}.streams`, events: `${s}.events` };
    this.channel = eventsChannel(this.schema);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    if (options.groupCommit ?? true) {
      this.group = new GroupCommit({
        sql: this.sql,
        tables: this.t,
        channel: this.channel,
        alone: (append) => this.appendAlone(append.streamId, append.events, append.expected),
        refusal: (append) => this.refusal(append.streamId, append.events, append.expected),
        committed: () => this.wakeup.notify(),
      });
    }
  }

  async append(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, expected);
    assertTransactionSize(events.length);
    if (events.length === 0) return this.checkExpectation(streamId, expected);
    if (this.group && (typeof expected === 'number' || expected === 'no_stream')) {
      const versioned = events.map((event) => ({ ...event, version: event.version ?? currentVersion(event.type) }));
      return this.group.append({ streamId, events: versioned, expected });
    }
    return this.appendAlone(streamId, events, expected);
  }

  private async appendAlone(streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    const result = await this.sql.transaction((tx) => this.appendValidated(tx, streamId, events, expected));
    this.wakeup.notify();
    return result;
  }

  /** Why an append's expectation did not hold: its events are already stored, or the revision moved. */
  private async refusal(streamId: string, events: NewEvent[], expected: ExpectedRevision, db: SqlQueryable = this.sql): Promise<Error> {
    const { rows: stored } = await db.query<{ id: string }>(
      `SELECT e.id::text AS id FROM ${this.t.events} e WHERE e.id = ANY($1::uuid[])`,
      [events.map((event) => event.id.toLowerCase())],
    );
    if (stored.length > 0) return new DuplicateEventError(stored.map((row) => row.id));
    return new WrongExpectedRevisionError(streamId, expected, await this.currentRevision(db, streamId));
  }

  /**
   * Appends inside a transaction the caller owns, so other rows (an idempotency record, a second
   * stream) commit or roll back with the events. Readers see them once the caller commits.
   */
  appendWithin(tx: SqlTx, streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    validateAppend(streamId, events, expected);
    assertTransactionSize(events.length);
    if (events.length === 0) return this.checkExpectation(streamId, expected, tx);
    return this.appendValidated(tx, streamId, events, expected);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision;
    assertFromRevision(from);
    assertMaxCount(options.maxCount);
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.t.events} e
       WHERE e.stream_id = $1::text AND ($2::bigint IS NULL OR e.revision ${backwards ? '<=' : '>='} $2::bigint)
       ORDER BY e.revision ${backwards ? 'DESC' : 'ASC'}
       LIMIT $3::int`,
      [streamId, from ?? null, options.maxCount ?? null],
    );
    return rows.map(toStoredEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    assertMaxCount(options.maxCount);
    return this.readAfter(options.after, options.maxCount);
  }

  subscribeToAll(options: SubscriptionOptions): Subscription {
    this.assertOpen();
    this.startListening();
    const subscription = startCatchUpSubscription(
      { read: (after, maxCount) => this.readAfter(after, maxCount), wakeup: this.wakeup, pollIntervalMs: this.pollIntervalMs },
      options,
    );
    this.subscriptions.add(subscription);
    void subscription.done.then(() => this.subscriptions.delete(subscription));
    return subscription;
  }

  async headPosition(): Promise<bigint | undefined> {
    const { rows } = await this.sql.query<{ transaction_id: string; tx_index: number }>(
      `SELECT e.transaction_id::text AS transaction_id, e.tx_index FROM ${this.t.events} e
       WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY e.transaction_id DESC, e.tx_index DESC
       LIMIT 1`,
    );
    return rows.length === 0 ? undefined : encodePosition(rows[0].transaction_id, rows[0].tx_index);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    const unlisten = await this.unlisten;
    await unlisten?.().catch(() => undefined);
    if (this.options.ownsClient) await this.sql.close();
  }

  private async readAfter(after: bigint | undefined, maxCount: number | undefined): Promise<StoredEvent[]> {
    // (0, -1) sorts before every real row: transaction ids start at 3.
    const from = after === undefined ? { transactionId: '0', txIndex: -1 } : decodePosition(after);
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.t.events} e
       WHERE (e.transaction_id, e.tx_index) > ($1::text::xid8, $2::int)
         AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY e.transaction_id, e.tx_index
       LIMIT $3::int`,
      [from.transactionId, from.txIndex, maxCount ?? null],
    );
    return rows.map(toStoredEvent);
  }

  private async appendValidated(
    tx: SqlTx,
    streamId: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const lastRevision = await this.claimRevisions(tx, streamId, events, expected);
    const firstRevision = lastRevision - events.length + 1;
    const stored = events.map((event) => ({
      id: event.id.toLowerCase(),
      type: event.type,
      version: event.version ?? currentVersion(event.type),
      data: event.data,
      metadata: event.metadata,
      occurredAt: new Date(event.occurredAt).toISOString(),
    }));
    let inserted: { transaction_id: string; first_index: number }[];
    try {
      // One statement for the whole batch, NOTIFY included (payload: the last position); tx_index
      // continues after rows this transaction already wrote.
      ({ rows: inserted } = await tx.query<{ transaction_id: string; first_index: number }>(
        `WITH batch AS (
           INSERT INTO ${this.t.events} (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
           SELECT base.next_index + e.ord::int - 1, (e.value->>'id')::uuid, $1::text, $2::bigint + e.ord - 1,
                  e.value->>'type', (e.value->>'version')::int, e.value->'data', e.value->'metadata',
                  (e.value->>'occurredAt')::timestamptz
           FROM (SELECT coalesce(max(tx_index) + 1, 0) AS next_index FROM ${this.t.events}
                 WHERE transaction_id = pg_current_xact_id()) AS base,
                jsonb_array_elements($3::text::jsonb) WITH ORDINALITY AS e(value, ord)
           RETURNING transaction_id, tx_index
         )
         SELECT x.transaction_id::text AS transaction_id, x.first_index,
                pg_notify($4::text, (x.transaction_id::text::numeric * ${TX_INDEX_LIMIT} + x.last_index)::text)
         FROM (SELECT b.transaction_id, min(b.tx_index) AS first_index, max(b.tx_index) AS last_index
               FROM batch b GROUP BY b.transaction_id) x`,
        [streamId, firstRevision, JSON.stringify(stored), this.channel],
      ));
    } catch (error) {
      throw this.appendError(error, streamId, events, expected);
    }
    const { transaction_id: transactionId, first_index: firstIndex } = inserted[0];
    const result = stored.map((event, i): StoredEvent => {
      const current = upcast(event.type, event.version, event.data);
      return {
        ...event,
        version: current.version,
        data: current.data,
        streamId,
        revision: firstRevision + i,
        position: encodePosition(transactionId, firstIndex + i),
      };
    });
    const position = result[result.length - 1].position;
    return { nextExpectedRevision: lastRevision, position, events: result };
  }

  /**
   * Moves the stream's revision on by the number of events if the expectation holds; returns the new
   * last revision. A failed expectation whose events are already stored is a retry: a duplicate.
   */
  private async claimRevisions(tx: SqlTx, streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<number> {
    const streams = this.t.streams;
    const count = events.length;
    let rows: { revision: string }[];
    if (expected === 'no_stream' || expected === -1) {
      ({ rows } = await tx.query<{ revision: string }>(
        `INSERT INTO ${streams} (stream_id, revision) VALUES ($1::text, $2::bigint - 1)
         ON CONFLICT (stream_id) DO NOTHING RETURNING revision::text AS revision`,
        [streamId, count],
      ));
    } else if (expected === 'any') {
      ({ rows } = await tx.query<{ revision: string }>(
        `INSERT INTO ${streams} AS s (stream_id, revision) VALUES ($1::text, $2::bigint - 1)
         ON CONFLICT (stream_id) DO UPDATE SET revision = s.revision + $2::bigint RETURNING s.revision::text AS revision`,
        [streamId, count],
      ));
    } else if (expected === 'stream_exists') {
      ({ rows } = await tx.query<{ revision: string }>(
        `UPDATE ${streams} SET revision = revision + $2::bigint WHERE stream_id = $1::text RETURNING revision::text AS revision`,
        [streamId, count],
      ));
    } else {
      ({ rows } = await tx.query<{ revision: string }>(
        `UPDATE ${streams} SET revision = revision + $2::bigint
         WHERE stream_id = $1::text AND revision = $3::bigint RETURNING revision::text AS revision`,
        [streamId, count, expected],
      ));
    }
    if (rows.length === 0) throw await this.refusal(streamId, events, expected, tx);
    return Number(rows[0].revision);
  }

  private async currentRevision(db: SqlQueryable, streamId: string): Promise<number | 'no_stream'> {
    const { rows } = await db.query<{ revision: string }>(
      `SELECT revision::text AS revision FROM ${this.t.streams} WHERE stream_id = $1::text`,
      [streamId],
    );
    return rows.length === 0 ? 'no_stream' : Number(rows[0].revision);
  }

  /**
   * An empty append writes nothing but still checks the expectation, so it can assert a revision.
   * It answers the stream's current revision (-1 when there is none) and its last event's position
   * (0n when there is none).
   */
  private async checkExpectation(streamId: string, expected: ExpectedRevision, db: SqlQueryable = this.sql): Promise<AppendResult> {
    const actual = await this.currentRevision(db, streamId);
    const holds =
      expected === 'any' ||
      (actual === 'no_stream' ? expected === 'no_stream' || expected === -1 : expected === 'stream_exists' || expected === actual);
    if (!holds) throw new WrongExpectedRevisionError(streamId, expected, actual);
    if (actual === 'no_stream') return { nextExpectedRevision: -1, position: 0n, events: [] };
    const { rows } = await db.query<{ transaction_id: string; tx_index: number }>(
      `SELECT e.transaction_id::text AS transaction_id, e.tx_index FROM ${this.t.events} e
       WHERE e.stream_id = $1::text ORDER BY e.revision DESC LIMIT 1`,
      [streamId],
    );
    const position = rows.length === 0 ? 0n : encodePosition(rows[0].transaction_id, rows[0].tx_index);
    return { nextExpectedRevision: actual, position, events: [] };
  }

  private appendError(error: unknown, streamId: string, events: NewEvent[], expected: ExpectedRevision): unknown {
    const state = sqlState(error);
    const constraint = (error as { constraint?: string }).constraint;
    if (state === SQLSTATE.uniqueViolation && constraint === 'events_id_unique') {
      const detail = /\(id\)=\(([0-9a-f-]{36})\)/i.exec((error as { detail?: string }).detail ?? '');
      return new DuplicateEventError(detail ? [detail[1].toLowerCase()] : events.map((event) => event.id));
    }
    if (state === SQLSTATE.uniqueViolation && constraint === 'events_stream_revision_unique') {
      // The streams row and the events disagree: only possible if someone wrote events by hand.
      return new WrongExpectedRevisionError(streamId, expected, 'unknown');
    }
    if (state === SQLSTATE.checkViolation && constraint === 'events_tx_index_range') {
      return new RangeError(`a transaction holds at most ${TX_INDEX_LIMIT} events`);
    }
    return error;
  }

  private startListening(): void {
    if (this.unlisten || !this.sql.listen) return;
    // Without LISTEN (or if it fails) subscriptions still make progress by polling.
    this.unlisten = this.sql.listen(this.channel, () => this.wakeup.notify()).catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}

// Int8 and xid8 leave as text (every digit kept on both drivers). Queries order by the qualified
// columns (e.revision), never by these text aliases.
const COLUMNS = `e.transaction_id::text AS transaction_id, e.tx_index, e.id::text AS id, e.stream_id,
  e.revision::text AS revision, e.type, e.version, e.data, e.metadata,
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at`;

const toStoredEvent = (row: EventRow): StoredEvent => {
  const current = upcast(row.type, Number(row.version), row.data);
  return {
    id: row.id,
    type: row.type,
    version: current.version,
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: encodePosition(row.transaction_id, Number(row.tx_index)),
    occurredAt: row.occurred_at,
    data: current.data,
    metadata: row.metadata,
  };
};

const assertTransactionSize = (count: number): void => {
  if (count > TX_INDEX_LIMIT) throw new RangeError(`a transaction holds at most ${TX_INDEX_LIMIT} events`);
};
