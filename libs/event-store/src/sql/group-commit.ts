import { upcast, type StoredEvent } from '@zan/contracts';
import type { AppendResult } from '../event-store.port';
import { encodePosition } from './position';
import { TX_INDEX_LIMIT, type EventTables } from './schema';
import { brokenGuards, guardRows, guardsJson } from './guards';
import { claimRows, claimsFrom, claimsJson, insertClaims } from './key-claims';
import type { SqlQueryable } from './sql-client';
import type { SqlAppend } from './sql-appends';

/** An append waiting for its group: its stream's expectation is an exact revision or no stream. */
export interface GroupedAppend extends SqlAppend {
  /** An exact revision, or no stream (-1 or 'no_stream'). */
  expected: number | 'no_stream';
}

export interface GroupCommitOptions {
  sql: SqlQueryable;
  tables: EventTables;
  channel: string;
  /** Appends one request alone, in its own transaction: the path for anything a group cannot decide. */
  alone: (append: GroupedAppend) => Promise<AppendResult>;
  /** Why a request's expectation failed in a group: a DuplicateEventError or a WrongExpectedRevisionError. */
  refusal: (append: GroupedAppend) => Promise<Error>;
  /** Called after each group that committed events (wakes the store's subscriptions). */
  committed: () => void;
  /** Appends per group (default 500). */
  maxAppends?: number;
  /** Groups in flight at once (default 2): the next group fills while one commits. */
  maxInFlight?: number;
}

interface Waiting extends GroupedAppend {
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: appends that arrive while a group is committing wait and go together in the next
 * one, as ONE statement, so N concurrent commands cost one round trip and one WAL flush instead of
 * N transactions of four round trips each. Each append keeps its own expected revision: the
 * statement moves a stream's revision only if it is still the expected one, inserts the events of
 * the streams it moved and nothing else, and the appends it did not move are refused one by one,
 * exactly as alone (duplicate or wrong expected revision). No batching delay is added: a lone
 * append is committed at once, groups form only under concurrency.
 *
 * Two appends to the same stream never share a group (the second waits for the next), streams are
 * locked in stream-id order (two groups from two processes cannot deadlock on each other), and if
 * the statement itself fails, whatever the reason, every append of the group is retried alone, so
 * one bad append never fails its neighbours (see commit).
 */
export class GroupCommit {
  private readonly waiting: Waiting[] = [];
  private readonly busyStreams = new Set<string>();
  private inFlight = 0;
  private readonly maxAppends: number;
  private readonly maxInFlight: number;

  /** Built once each: each text is one prepared statement per connection. */
  private readonly statements = new Map<string, string>();

  constructor(private readonly options: GroupCommitOptions) {
    this.maxAppends = options.maxAppends ?? 500;
    this.maxInFlight = options.maxInFlight ?? 2;
  }

  /** The statement `name`, built by `build` the first time. */
  private statement(name: string, build: () => string): string {
    let text = this.statements.get(name);
    if (text === undefined) this.statements.set(name, (text = build()));
    return text;
  }

  append(append: GroupedAppend): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      this.waiting.push({ ...append, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      const group = this.takeGroup();
      if (group.length === 0) return;
      this.inFlight += 1;
      void this.commit(group).finally(() => {
        this.inFlight -= 1;
        for (const append of group) this.busyStreams.delete(append.streamId);
        this.pump();
      });
    }
  }

  /** The oldest waiting appends, at most one per stream and none on a stream still committing. */
  private takeGroup(): Waiting[] {
    const group: Waiting[] = [];
    const streams = new Set<string>();
    let events = 0;
    for (let i = 0; i < this.waiting.length && group.length < this.maxAppends;) {
      const append = this.waiting[i]!;
      const fits = events + append.events.length <= TX_INDEX_LIMIT;
      if (this.busyStreams.has(append.streamId) || streams.has(append.streamId) || !fits) {
        i += 1;
        continue;
      }
      this.waiting.splice(i, 1);
      streams.add(append.streamId);
      events += append.events.length;
      group.push(append);
    }
    for (const stream of streams) this.busyStreams.add(stream);
    return group;
  }

  private async commit(group: Waiting[]): Promise<void> {
    let claimed: Map<number, Placed>;
    try {
      claimed = await this.write(group);
    } catch {
      // Whatever failed the statement (an event id already stored, a deadlock, a value the database
      // refuses, a connection lost), alone each append meets its own fate and only the culprit fails,
      // with its own error. A lost connection may have lost only the answer of a statement that
      // committed: alone, such an append finds its events stored and is refused as a duplicate
      // (stored, never twice), which callers take as done (see DuplicateEventError).
      await Promise.all(group.map((append) => this.options.alone(append).then(append.resolve, append.reject)));
      return;
    }
    if (claimed.size > 0) this.options.committed();
    await Promise.all(
      group.map(async (append, i) => {
        const done = claimed.get(i);
        if (!done) return append.reject(await this.options.refusal(append).catch((error: unknown) => error));
        append.resolve(stored(append, done));
      }),
    );
  }

  /** The one statement of a group; answers, per request index, where its events were stored. */
  private async write(group: Waiting[]): Promise<Map<number, Placed>> {
    if (group.length === 1) return this.writeOne(group[0]!);
    const requests = group.map((append, i) => ({
      i,
      stream_id: append.streamId,
      expected: append.expected === 'no_stream' ? -1 : append.expected,
      count: append.events.length,
    }));
    const guards = group.flatMap((append, i) => guardRows(append.guards ?? [], i));
    const claims = group.flatMap((append, i) => claimRows(append.claims ?? [], i));
    const rows = group.flatMap((append, i) => append.events.map((event, ord) => ({ i, ...eventRow(event, ord) })));
    const params = [JSON.stringify(requests), JSON.stringify(rows), this.options.channel, JSON.stringify(guards)];
    if (claims.length > 0) params.push(JSON.stringify(claims));
    const keyed = claims.length > 0;
    const text = this.statement(`group ${keyed}`, () => groupStatement(this.options.tables, keyed));
    const { rows: placed } = await this.options.sql.query<{ i: number; last_revision: string; transaction_id: string; first_index: number }>(text, params);
    return new Map(placed.map((row) => [Number(row.i), placedOf(row)]));
  }

  /**
   * A group of one append (every group when appends do not overlap): the same effect as the group's
   * statement, by a lean one that names its stream directly. With one stream there is no order to
   * lock in, no request list to join and no other stream to create, and each data-modifying step of
   * a statement costs its executor set-up even when it touches no row: about a third less time per
   * append, measured (bench/README.md, session 7).
   */
  private async writeOne(append: Waiting): Promise<Map<number, Placed>> {
    const rows = JSON.stringify(append.events.map(eventRow));
    const count = append.events.length;
    const creates = append.expected === 'no_stream' || append.expected === -1;
    const params: unknown[] = creates
      ? [append.streamId, count, rows, this.options.channel]
      : [append.streamId, count, rows, this.options.channel, append.expected];
    const guarded = (append.guards?.length ?? 0) > 0;
    if (guarded) params.push(guardsJson(append.guards!));
    const keyed = (append.claims?.length ?? 0) > 0;
    if (keyed) params.push(claimsJson(append.claims!));
    const shape = { creates, guards: guarded ? `$${params.length - (keyed ? 1 : 0)}` : undefined, claims: keyed ? `$${params.length}` : undefined };
    const statement = this.statement(`one ${creates} ${guarded} ${keyed}`, () => oneStatement(this.options.tables, shape));
    const { rows: placed } = await this.options.sql.query<{ last_revision: string; transaction_id: string; first_index: number }>(statement, params);
    if (placed.length === 0) return new Map();
    const [row] = placed as [(typeof placed)[number]];
    return new Map([[0, placedOf(row)]]);
  }
}

interface Placed {
  lastRevision: number;
  transactionId: string;
  firstIndex: number;
}

/** Where a statement's row says an append's events went. */
const placedOf = (row: { last_revision: string; transaction_id: string; first_index: number }): Placed => ({
  lastRevision: Number(row.last_revision),
  transactionId: row.transaction_id,
  firstIndex: Number(row.first_index),
});

/** An event as both append statements read it (jsonb_to_recordset): `ord` counts from 1 in its append. */
const eventRow = (event: GroupedAppend['events'][number], ord: number) => ({
  ord: ord + 1,
  id: event.id.toLowerCase(),
  type: event.type,
  version: event.version,
  data: event.data,
  metadata: event.metadata,
  occurred_at: new Date(event.occurredAt).toISOString(),
});

/**
 * The group's statement. Each request's stream row is locked (in stream-id order) and moved on, or
 * created, only if its expectation holds, none of its guards is broken and (`keyed`) each of its key
 * claims holds its key; then the events of the streams moved go in and one NOTIFY goes out. A
 * request's claims are written only if its expectation and guards hold, as the statement sees them.
 * Parameters: $1 requests, $2 events, $3 channel, $4 guards, $5 (`keyed`) claims.
 */
const groupStatement = (tables: EventTables, keyed: boolean): string =>
  `WITH req AS (
     SELECT r.i, r.stream_id, r.expected, r.count
     FROM jsonb_to_recordset($1::text::jsonb) AS r(i int, stream_id text, expected bigint, count int)
   ),
   broken AS (SELECT DISTINCT g.i FROM ${brokenGuards('$4', tables.events)}),
   locked AS (
     SELECT s.stream_id, s.revision FROM ${tables.streams} s
     WHERE s.stream_id IN (SELECT stream_id FROM req WHERE expected >= 0)
     ORDER BY s.stream_id
     FOR UPDATE
   ),${
     keyed
       ? `
   claims AS (SELECT * FROM ${claimsFrom('$5')}),
   keyed AS (
     ${insertClaims(
       tables.keys,
       `claims k JOIN req r ON r.i = k.i
        WHERE r.i NOT IN (SELECT i FROM broken)
          AND CASE WHEN r.expected >= 0 THEN EXISTS (SELECT 1 FROM locked l WHERE l.stream_id = r.stream_id AND l.revision = r.expected)
                   ELSE NOT EXISTS (SELECT 1 FROM ${tables.streams} s WHERE s.stream_id = r.stream_id) END`,
     )}
   ),
   refused AS (
     SELECT i FROM broken
     UNION SELECT c.i FROM claims c WHERE NOT EXISTS (SELECT 1 FROM keyed d WHERE d.scope = c.scope AND d.key = c.key)
   ),`
       : `
   refused AS (SELECT i FROM broken),`
   }
   moved AS (
     UPDATE ${tables.streams} s SET revision = s.revision + r.count
     FROM req r, locked l
     WHERE l.stream_id = s.stream_id AND r.stream_id = s.stream_id AND r.expected >= 0 AND s.revision = r.expected
       AND r.i NOT IN (SELECT i FROM refused)
     RETURNING r.i, s.revision AS last_revision
   ),
   created AS (
     INSERT INTO ${tables.streams} (stream_id, revision)
     SELECT r.stream_id, r.count - 1 FROM req r WHERE r.expected = -1 AND r.i NOT IN (SELECT i FROM refused) ORDER BY r.stream_id
     ON CONFLICT (stream_id) DO NOTHING
     RETURNING stream_id, revision AS last_revision
   ),
   claimed AS (
     SELECT m.i, m.last_revision FROM moved m
     UNION ALL
     SELECT r.i, c.last_revision FROM created c JOIN req r ON r.stream_id = c.stream_id AND r.expected = -1
   ),
   inserted AS (
     INSERT INTO ${tables.events} (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
     SELECT (row_number() OVER (ORDER BY e.i, e.ord) - 1)::int, e.id, r.stream_id, c.last_revision - r.count + e.ord,
            e.type, e.version, e.data, e.metadata, e.occurred_at
     FROM claimed c
     JOIN req r ON r.i = c.i
     JOIN jsonb_to_recordset($2::text::jsonb)
       AS e(i int, ord int, id uuid, type text, version int, data jsonb, metadata jsonb, occurred_at timestamptz) ON e.i = c.i
     RETURNING transaction_id, tx_index, stream_id
   ),
   placed AS (
     SELECT stream_id, min(transaction_id::text) AS transaction_id, min(tx_index) AS first_index, max(tx_index) AS last_index
     FROM inserted GROUP BY stream_id
   ),
   notified AS (
     SELECT pg_notify($3::text, (max(p.transaction_id)::numeric * ${TX_INDEX_LIMIT} + max(p.last_index))::text) AS done
     FROM placed p HAVING count(*) > 0
   )
   SELECT c.i, c.last_revision::text AS last_revision, p.transaction_id, p.first_index,
          (SELECT count(*) FROM notified) AS notified
   FROM claimed c JOIN req r ON r.i = c.i JOIN placed p ON p.stream_id = r.stream_id`;

/** SQL: none of the guards in parameter `param` (guardsJson) is broken. */
const guardsHold = (tables: EventTables, param: string): string => `NOT EXISTS (SELECT 1 FROM ${brokenGuards(param, tables.events)})`;

/**
 * One append's statement: its stream's row moved on (or created) if the expectation holds, none of
 * the guards is broken and each key claim holds its key (`claims`: the claims are written first,
 * only if the expectation and guards hold as the statement sees them); then the events go in and one
 * NOTIFY goes out. Parameters: $1 stream, $2 event count, $3 events (JSON), $4 channel, $5 the
 * expected revision (moving an existing stream), then the guards' and the claims' parameters named.
 */
const oneStatement = (tables: EventTables, shape: { creates: boolean; guards?: string; claims?: string }): string => {
  const holds = shape.creates
    ? `NOT EXISTS (SELECT 1 FROM ${tables.streams} s WHERE s.stream_id = $1::text)`
    : `EXISTS (SELECT 1 FROM ${tables.streams} s WHERE s.stream_id = $1::text AND s.revision = $5::bigint)`;
  const conditions = [
    ...(shape.guards ? [guardsHold(tables, shape.guards)] : []),
    ...(shape.claims ? [`(SELECT count(*) FROM keyed) = jsonb_array_length(${shape.claims}::text::jsonb)`] : []),
  ];
  const keyed = shape.claims
    ? `keyed AS (${insertClaims(tables.keys, `${claimsFrom(shape.claims)} WHERE ${[holds, ...(shape.guards ? [guardsHold(tables, shape.guards)] : [])].join(' AND ')}`)}),
   `
    : '';
  const claim = shape.creates
    ? `INSERT INTO ${tables.streams} (stream_id, revision) SELECT $1::text, $2::int - 1${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}
     ON CONFLICT (stream_id) DO NOTHING
     RETURNING revision AS last_revision`
    : `UPDATE ${tables.streams} s SET revision = s.revision + $2::int
     WHERE s.stream_id = $1::text AND s.revision = $5::bigint${conditions.map((condition) => ` AND ${condition}`).join('')}
     RETURNING s.revision AS last_revision`;
  return `WITH ${keyed}claimed AS (${claim}),
   inserted AS (
     INSERT INTO ${tables.events} (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
     SELECT e.ord - 1, e.id, $1::text, c.last_revision - $2::int + e.ord, e.type, e.version, e.data, e.metadata, e.occurred_at
     FROM claimed c,
          jsonb_to_recordset($3::text::jsonb) AS e(ord int, id uuid, type text, version int, data jsonb, metadata jsonb, occurred_at timestamptz)
     RETURNING transaction_id, tx_index, revision
   )
   SELECT x.last_revision::text AS last_revision, x.transaction_id, x.first_index,
          pg_notify($4::text, (x.transaction_id::numeric * ${TX_INDEX_LIMIT} + x.last_index)::text) AS notified
   FROM (SELECT max(revision) AS last_revision, min(transaction_id::text) AS transaction_id, min(tx_index) AS first_index, max(tx_index) AS last_index
         FROM inserted HAVING count(*) > 0) x`;
};

const stored = (append: GroupedAppend, done: Placed): AppendResult => {
  const firstRevision = done.lastRevision - append.events.length + 1;
  const events = append.events.map((event, i): StoredEvent => {
    const current = upcast(event.type, event.version!, event.data);
    return {
      id: event.id.toLowerCase(),
      type: event.type,
      version: current.version,
      data: current.data,
      metadata: event.metadata,
      occurredAt: new Date(event.occurredAt).toISOString(),
      streamId: append.streamId,
      revision: firstRevision + i,
      position: encodePosition(done.transactionId, done.firstIndex + i),
    };
  });
  return { nextExpectedRevision: done.lastRevision, position: events[events.length - 1]!.position, events };
};
