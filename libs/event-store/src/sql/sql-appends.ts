import { currentVersion, upcast, type NewEvent, type StoredEvent } from '@zan/contracts';
import {
  DuplicateEventError,
  KeyClaimedError,
  StreamChangedError,
  WrongExpectedRevisionError,
  type AppendGuard,
  type AppendResult,
  type ExpectedRevision,
  type KeyClaim,
} from '../event-store.port';
import { expectationHolds } from '../append-validation';
import { brokenGuards, guardsJson } from './guards';
import { claimsFrom, claimsJson, firstClaim, insertClaims } from './key-claims';
import { encodePosition } from './position';
import { TX_INDEX_LIMIT, type EventTables } from './schema';
import { sqlState, SQLSTATE, type SqlQueryable, type SqlTx } from './sql-client';

/** One append as the SQL paths take it: its stream, events and expectation, and what it checks besides. */
export interface SqlAppend {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  /** AppendOptions.guards */
  guards?: readonly AppendGuard[];
  /** AppendOptions.claims */
  claims?: readonly KeyClaim[];
}

/**
 * Appends one stream's events inside a transaction: the stream's revision is claimed against the
 * expectation (the streams table), then the events go in with ONE statement that also NOTIFYs.
 * Refusals say why: the events are stored already (a duplicate) or the revision moved.
 */
export class SqlAppends {
  constructor(
    private readonly tables: EventTables,
    private readonly channel: string,
  ) {}

  /**
   * Appends within `tx` (validated beforehand); the caller commits, and wakes the subscriptions.
   * Key claims and guards are checked after the events went in, so that a repeat of a stored append
   * is told a duplicate first; a refusal throws, and the caller's transaction rolls everything back.
   */
  async inTransaction(tx: SqlTx, { streamId, events, expected, guards = [], claims = [] }: SqlAppend): Promise<AppendResult> {
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
           INSERT INTO ${this.tables.events} (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
           SELECT base.next_index + e.ord::int - 1, (e.value->>'id')::uuid, $1::text, $2::bigint + e.ord - 1,
                  e.value->>'type', (e.value->>'version')::int, e.value->'data', e.value->'metadata',
                  (e.value->>'occurredAt')::timestamptz
           FROM (SELECT coalesce(max(tx_index) + 1, 0) AS next_index FROM ${this.tables.events}
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
    await this.writeClaims(tx, claims);
    await this.checkGuards(tx, guards, { exceptOwnTransaction: true });
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

  /** Writes the append's key claims (insertClaims), or throws KeyClaimedError for the first whose key has another record. */
  private async writeClaims(tx: SqlTx, claims: readonly KeyClaim[]): Promise<void> {
    if (claims.length === 0) return;
    const { rows: held } = await tx.query<{ scope: string; key: string }>(insertClaims(this.tables.keys, claimsFrom('$1')), [claimsJson(claims)]);
    const taken = firstClaim(claims, held, false);
    if (taken) throw new KeyClaimedError(taken.scope, taken.key);
  }

  /**
   * Moves the stream's revision on by the number of events if the expectation holds; returns the new
   * last revision. A failed expectation whose events are already stored is a retry: a duplicate.
   */
  private async claimRevisions(tx: SqlTx, streamId: string, events: NewEvent[], expected: ExpectedRevision): Promise<number> {
    const streams = this.tables.streams;
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
    if (rows.length === 0) throw await this.refusal(tx, { streamId, events, expected });
    return Number(rows[0].revision);
  }

  /**
   * Why an append was refused: its events are already stored, the revision moved, or (the revision
   * still as expected) a guarded stream changed, or one of its keys has another record.
   */
  async refusal(db: SqlQueryable, { streamId, events, expected, guards = [], claims = [] }: SqlAppend): Promise<Error> {
    const { rows: stored } = await db.query<{ id: string }>(`SELECT e.id::text AS id FROM ${this.tables.events} e WHERE e.id = ANY($1::uuid[])`, [
      events.map((event) => event.id.toLowerCase()),
    ]);
    if (stored.length > 0) return new DuplicateEventError(stored.map((row) => row.id));
    const actual = await this.currentRevision(db, streamId);
    if (!expectationHolds(expected, actual)) return new WrongExpectedRevisionError(streamId, expected, actual);
    const broken = await this.brokenGuard(db, guards);
    if (broken) return new StreamChangedError(broken.streamId, broken.revision);
    const taken = await this.takenClaim(db, claims);
    // Neither: the revision moved and came back between the statement and these reads, or the other
    // record has gone since; taken as a conflict, the caller decides again on the stream read afresh.
    return taken ? new KeyClaimedError(taken.scope, taken.key) : new WrongExpectedRevisionError(streamId, expected, actual);
  }

  /** The first claim whose key has a record other than its own (insertClaims), if any. */
  private async takenClaim(db: SqlQueryable, claims: readonly KeyClaim[]): Promise<KeyClaim | undefined> {
    if (claims.length === 0) return undefined;
    const { rows } = await db.query<{ scope: string; key: string }>(
      `SELECT k.scope, k.key FROM ${claimsFrom('$1')}
       JOIN ${this.tables.keys} t ON t.scope = k.scope AND t.key = k.key
       WHERE NOT (t.state = 'pending' AND t.locked_until = k.locked_until AND t.request_hash = k.request_hash)`,
      [claimsJson(claims)],
    );
    return firstClaim(claims, rows, true);
  }

  /** Throws StreamChangedError when a guarded stream got an event the append was not decided on. */
  async checkGuards(db: SqlQueryable, guards: readonly AppendGuard[], options: { exceptOwnTransaction?: boolean } = {}): Promise<void> {
    const broken = await this.brokenGuard(db, guards, options);
    if (broken) throw new StreamChangedError(broken.streamId, broken.revision);
  }

  private async brokenGuard(
    db: SqlQueryable,
    guards: readonly AppendGuard[],
    options: { exceptOwnTransaction?: boolean } = {},
  ): Promise<AppendGuard | undefined> {
    if (guards.length === 0) return undefined;
    const { rows } = await db.query<{ i: number }>(`SELECT g.i FROM ${brokenGuards('$1', this.tables.events, options)} ORDER BY g.i LIMIT 1`, [
      guardsJson(guards),
    ]);
    return rows.length === 0 ? undefined : guards[Number(rows[0].i)];
  }

  private async currentRevision(db: SqlQueryable, streamId: string): Promise<number | 'no_stream'> {
    const { rows } = await db.query<{ revision: string }>(`SELECT revision::text AS revision FROM ${this.tables.streams} WHERE stream_id = $1::text`, [
      streamId,
    ]);
    return rows.length === 0 ? 'no_stream' : Number(rows[0].revision);
  }

  /**
   * An empty append writes nothing but still checks the expectation, so it can assert a revision.
   * It answers the stream's current revision (-1 when there is none) and its last event's position
   * (0n when there is none).
   */
  async checkExpectation(db: SqlQueryable, streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const actual = await this.currentRevision(db, streamId);
    if (!expectationHolds(expected, actual)) throw new WrongExpectedRevisionError(streamId, expected, actual);
    if (actual === 'no_stream') return { nextExpectedRevision: -1, position: 0n, events: [] };
    const { rows } = await db.query<{ transaction_id: string; tx_index: number }>(
      `SELECT e.transaction_id::text AS transaction_id, e.tx_index FROM ${this.tables.events} e
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
}

export const assertTransactionSize = (count: number): void => {
  if (count > TX_INDEX_LIMIT) throw new RangeError(`a transaction holds at most ${TX_INDEX_LIMIT} events`);
};
