import { upcast, type EventMetadata, type StoredEvent } from '@zan/contracts';
import type { ReadStreamOptions } from '../event-store.port';
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
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.tables.events} e
       WHERE e.stream_id = $1::text AND ($2::bigint IS NULL OR e.revision ${backwards ? '<=' : '>='} $2::bigint)
       ORDER BY e.revision ${backwards ? 'DESC' : 'ASC'}
       LIMIT $3::int`,
      [streamId, from ?? null, options.maxCount ?? null],
    );
    return rows.map(toStoredEvent);
  }

  async readAfter(after: bigint | undefined, maxCount: number | undefined): Promise<StoredEvent[]> {
    // (0, -1) sorts before every real row: transaction ids start at 3.
    const from = after === undefined ? { transactionId: '0', txIndex: -1 } : decodePosition(after);
    const { rows } = await this.sql.query<EventRow>(
      `SELECT ${COLUMNS} FROM ${this.tables.events} e
       WHERE (e.transaction_id, e.tx_index) > ($1::text::xid8, $2::int)
         AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY e.transaction_id, e.tx_index
       LIMIT $3::int`,
      [from.transactionId, from.txIndex, maxCount ?? null],
    );
    return rows.map(toStoredEvent);
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
