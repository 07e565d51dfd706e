import { upcast, type EventMetadata, type StoredEvent } from '@zan/contracts';
import { NO_METADATA, type ReadStreamOptions } from '../event-store.port';
import { assertFromRevision, assertMaxCount } from '../append-validation';
import { decodePosition, encodePosition } from './position';
import type { EventTables } from './schema';
import type { SqlQueryable } from './sql-client';

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

interface StreamPage {
  streamId: string;
  fromRevision: number;
  maxCount: number;
}

/**
 * Natural batching of reads: those asked for while up to two batches are in flight go together in
 * the next statement; a lone read goes at once (no delay is added). Under load, the stream reads of
 * concurrent commands (a tip reads its author's wallet fresh) cost one round trip per batch instead
 * of one per command: about one statement per tip before, the api's most frequent one.
 */
class Batches<I, O> {
  private readonly waiting: { input: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    // Each stream up to a page (1,000 events): 50 cold streams read together stay a bounded result.
    private readonly maxBatch = 50,
    private readonly maxInFlight = 2,
  ) {}

  read(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight += 1;
      this.run(batch.map((call) => call.input))
        .then(
          (outputs) => batch.forEach((call, i) => call.resolve(outputs[i]!)),
          (error: unknown) => batch.forEach((call) => call.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.pump();
        });
    }
  }
}

/**
 * Reads of one schema's events: a stream by revision, and the global log in position order. The log
 * only shows rows of transactions older than every transaction still in flight
 * (`pg_snapshot_xmin`), so a slow commit is read late, never skipped.
 */
export class SqlReads {
  constructor(
    private readonly sql: SqlQueryable,
    private readonly tables: EventTables,
  ) {}

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision;
    assertFromRevision(from);
    assertMaxCount(options.maxCount);
    // A page forwards (how a command catches a cached state up) waits for the next batch read.
    if (!backwards && options.maxCount !== undefined) return this.pages.read({ streamId, fromRevision: from ?? 0, maxCount: options.maxCount });
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.tables.events} e
       WHERE e.stream_id = $1::text AND ($2::bigint IS NULL OR e.revision ${backwards ? '<=' : '>='} $2::bigint)
       ORDER BY e.revision ${backwards ? 'DESC' : 'ASC'}
       LIMIT $3::int`,
      [streamId, from ?? null, options.maxCount ?? null],
    );
    return rows.map(toStoredEvent);
  }

  /**
   * Pages of several streams in one statement: each stream's events from its revision on, at most
   * the batch's largest maxCount each (trimmed to each read's own). One statement is one snapshot,
   * taken after every read in the batch was asked for, so each read sees at least what a read of its
   * own would have seen.
   */
  private async readPages(reads: StreamPage[]): Promise<StoredEvent[][]> {
    if (reads.length === 1) {
      const [{ streamId, fromRevision, maxCount }] = reads as [StreamPage];
      const { rows } = await this.sql.query<EventRow>(
        `SELECT ${COLUMNS} FROM ${this.tables.events} e
         WHERE e.stream_id = $1::text AND e.revision >= $2::bigint ORDER BY e.revision LIMIT $3::int`,
        [streamId, fromRevision, maxCount],
      );
      return [rows.map(toStoredEvent)];
    }
    const limit = Math.max(...reads.map((read) => read.maxCount));
    const { rows } = await this.sql.query<EventRow & { i: number }>(
      `SELECT r.i, ${COLUMNS}
       FROM jsonb_to_recordset($1::text::jsonb) AS r(i int, stream_id text, from_revision bigint)
       CROSS JOIN LATERAL (
         SELECT * FROM ${this.tables.events} x WHERE x.stream_id = r.stream_id AND x.revision >= r.from_revision ORDER BY x.revision LIMIT $2::int
       ) e
       ORDER BY r.i, e.revision`,
      [JSON.stringify(reads.map((read, i) => ({ i, stream_id: read.streamId, from_revision: read.fromRevision }))), limit],
    );
    const pages: StoredEvent[][] = reads.map(() => []);
    for (const row of rows) {
      const i = Number(row.i);
      if (pages[i]!.length < reads[i]!.maxCount) pages[i]!.push(toStoredEvent(row));
    }
    return pages;
  }

  private readonly pages = new Batches<StreamPage, StoredEvent[]>((reads) => this.readPages(reads));

  /** The global log after `after`; `withoutMetadata` leaves the metadata column unread (ReadAllOptions). */
  async readAfter(after: bigint | undefined, maxCount: number | undefined, withoutMetadata = false): Promise<StoredEvent[]> {
    // (0, -1) sorts before every real row: transaction ids start at 3.
    const from = after === undefined ? { transactionId: '0', txIndex: -1 } : decodePosition(after);
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${withoutMetadata ? COLUMNS_WITHOUT_METADATA : COLUMNS} FROM ${this.tables.events} e
       WHERE (e.transaction_id, e.tx_index) > ($1::text::xid8, $2::int)
         AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY e.transaction_id, e.tx_index
       LIMIT $3::int`,
      [from.transactionId, from.txIndex, maxCount ?? null],
    );
    return withoutMetadata ? rows.map(toStoredEventWithoutMetadata) : rows.map(toStoredEvent);
  }

  async headPosition(): Promise<bigint | undefined> {
    const { rows } = await this.sql.query<{ transaction_id: string; tx_index: number }>(
      `SELECT e.transaction_id::text AS transaction_id, e.tx_index FROM ${this.tables.events} e
       WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY e.transaction_id DESC, e.tx_index DESC
       LIMIT 1`,
    );
    return rows.length === 0 ? undefined : encodePosition(rows[0].transaction_id, rows[0].tx_index);
  }

  /** Like headPosition, without stopping short of transactions still in flight. */
  async latestPosition(): Promise<bigint | undefined> {
    const { rows } = await this.sql.query<{ transaction_id: string; tx_index: number }>(
      `SELECT e.transaction_id::text AS transaction_id, e.tx_index FROM ${this.tables.events} e
       ORDER BY e.transaction_id DESC, e.tx_index DESC
       LIMIT 1`,
    );
    return rows.length === 0 ? undefined : encodePosition(rows[0].transaction_id, rows[0].tx_index);
  }
}

// Int8 and xid8 leave as text (every digit kept on both drivers). Queries order by the qualified
// columns (e.revision), never by these text aliases.
const columns = (metadata: boolean): string => `e.transaction_id::text AS transaction_id, e.tx_index, e.id::text AS id, e.stream_id,
  e.revision::text AS revision, e.type, e.version, e.data,${metadata ? ' e.metadata,' : ''}
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at`;
const COLUMNS = columns(true);
// Metadata is about half of a row's JSON: a rebuild neither transfers nor parses it.
const COLUMNS_WITHOUT_METADATA = columns(false);

const toStoredEvent = (row: EventRow): StoredEvent => decodeRow(row, row.metadata);

const toStoredEventWithoutMetadata = (row: Omit<EventRow, 'metadata'>): StoredEvent => decodeRow(row, NO_METADATA);

const decodeRow = (row: Omit<EventRow, 'metadata'>, metadata: EventMetadata): StoredEvent => {
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
    metadata,
  };
};
