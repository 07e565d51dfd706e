import { assertSchemaName, quoteIdent, type SqlClient } from '@zan/event-store';
import type { EndpointSecret, WebhookEndpoint } from '../endpoint';
import type { AttemptOutcome, DeliveryAttempt, NewDelivery, PendingDelivery, WebhookStore } from '../webhook-store.port';
import { migrateWebhookTables, type WebhookTables } from './webhook-tables';

const iso = (value: Date | string): string => new Date(value).toISOString();
const isoOrUndefined = (value: Date | string | null): string | undefined => (value === null ? undefined : iso(value));
const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

interface EndpointRow {
  id: string;
  url: string;
  events: unknown;
  description: string | null;
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  disabled_at: Date | string | null;
  from_position: string;
  failing_since: Date | string | null;
  created_at: Date | string;
  secrets: unknown;
}

const endpointOf = (row: EndpointRow): WebhookEndpoint => ({
  id: row.id,
  url: row.url,
  events: json<string[]>(row.events),
  ...(row.description !== null && { description: row.description }),
  status: row.status,
  ...(row.disabled_reason !== null && { disabledReason: row.disabled_reason }),
  ...(row.disabled_at !== null && { disabledAt: iso(row.disabled_at) }),
  fromPosition: BigInt(row.from_position),
  ...(row.failing_since !== null && { failingSince: iso(row.failing_since) }),
  createdAt: iso(row.created_at),
  secrets: json<EndpointSecret[]>(row.secrets),
});

const ENDPOINT_COLUMNS = `id, url, events, description, status, disabled_reason, disabled_at, from_position::text AS from_position,
  failing_since, created_at, secrets`;

/** The webhook store in the event store's SQL database (PostgreSQL, or PGlite when embedded). */
export class SqlWebhookStore implements WebhookStore {
  private readonly t: WebhookTables;
  /** With `exclusive`, the endpoints as this process last wrote or read them. */
  private cached?: Promise<WebhookEndpoint[]>;

  /**
   * `exclusive`: this process is the only writer (the embedded store, held by one process), so the
   * endpoint list is cached and forgotten on each of its own writes instead of read per event.
   */
  constructor(
    private readonly sql: SqlClient,
    schema: string,
    private readonly options: { exclusive?: boolean } = {},
  ) {
    const s = quoteIdent(assertSchemaName(schema));
    this.t = {
      endpoints: `${s}.webhook_endpoints`,
      deliveries: `${s}.webhook_deliveries`,
      attempts: `${s}.webhook_attempts`,
      heads: `${s}.webhook_heads`,
      record: `${s}.webhook_record_attempt`,
    };
  }

  migrate(): Promise<void> {
    return migrateWebhookTables(this.sql, this.t);
  }

  async createEndpoint(e: WebhookEndpoint): Promise<void> {
    await this.writing(() =>
      this.sql.query(
        `INSERT INTO ${this.t.endpoints} (id, url, events, description, status, from_position, created_at, secrets)
       VALUES ($1, $2, $3::text::jsonb, $4, $5, $6::text::numeric, $7, $8::text::jsonb)`,
        [e.id, e.url, JSON.stringify(e.events), e.description ?? null, e.status, e.fromPosition.toString(), e.createdAt, JSON.stringify(e.secrets)],
      ),
    );
  }

  endpoints(): Promise<WebhookEndpoint[]> {
    if (!this.options.exclusive) return this.readEndpoints();
    this.cached ??= this.readEndpoints().catch((error) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  private forget(): void {
    this.cached = undefined;
  }

  /** A write to endpoints: a read that overlapped it is not kept. */
  private async writing<T>(write: () => Promise<T>): Promise<T> {
    this.forget();
    try {
      return await write();
    } finally {
      this.forget();
    }
  }

  private async readEndpoints(): Promise<WebhookEndpoint[]> {
    const { rows } = await this.sql.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM ${this.t.endpoints} ORDER BY created_at, id`);
    return rows.map(endpointOf);
  }

  async endpoint(id: string): Promise<WebhookEndpoint | undefined> {
    const { rows } = await this.sql.query<EndpointRow>(`SELECT ${ENDPOINT_COLUMNS} FROM ${this.t.endpoints} WHERE id = $1`, [id]);
    return rows[0] && endpointOf(rows[0]);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    const { rows } = await this.writing(() => this.sql.query(`DELETE FROM ${this.t.endpoints} WHERE id = $1 RETURNING id`, [id]));
    return rows.length > 0;
  }

  rotateSecret(id: string, secret: string, retiresAt: Date): Promise<boolean> {
    return this.writing(() =>
      this.sql.transaction(async (tx) => {
        const { rows } = await tx.query<{ secrets: unknown }>(`SELECT secrets FROM ${this.t.endpoints} WHERE id = $1 FOR UPDATE`, [id]);
        if (!rows[0]) return false;
        const now = Date.now();
        // The current secret retires at the end of the overlap; older ones past theirs are dropped.
        const kept = json<EndpointSecret[]>(rows[0].secrets)
          .map((s) => ({ secret: s.secret, retiresAt: s.retiresAt ?? retiresAt.toISOString() }))
          .filter((s) => Date.parse(s.retiresAt) > now);
        await tx.query(`UPDATE ${this.t.endpoints} SET secrets = $2::text::jsonb WHERE id = $1`, [id, JSON.stringify([{ secret }, ...kept])]);
        return true;
      }),
    );
  }

  async enableEndpoint(id: string): Promise<boolean> {
    const { rows } = await this.writing(() =>
      this.sql.query(
        `UPDATE ${this.t.endpoints} SET status = 'enabled', disabled_reason = NULL, disabled_at = NULL, failing_since = NULL WHERE id = $1 RETURNING id`,
        [id],
      ),
    );
    // Its heads, parked when it was disabled, are due again when their deliveries are.
    await this.sql.query(
      `UPDATE ${this.t.heads} h SET next_at = d.next_at FROM ${this.t.deliveries} d
       WHERE h.endpoint_id = $1 AND h.next_at = 'infinity' AND d.endpoint_id = h.endpoint_id AND d.event_id = h.event_id`,
      [id],
    );
    return rows.length > 0;
  }

  enqueue(deliveries: NewDelivery[], now = new Date()): Promise<void> {
    return this.insert(deliveries, now, 'DO NOTHING');
  }

  requeue(deliveries: NewDelivery[], now = new Date()): Promise<void> {
    return this.insert(
      deliveries,
      now,
      `DO UPDATE SET status = 'pending', attempts = 0, next_at = excluded.next_at, first_at = excluded.first_at, body = excluded.body`,
    );
  }

  /**
   * One statement: the deliveries, then each (endpoint, stream) queue's head moved to the lowest
   * position queued when it is lower than its head (a new queue gets one). A record() holding the
   * head's lock makes this wait, and its deletion of an emptied head makes this insert a new one.
   */
  private async insert(deliveries: NewDelivery[], now: Date, onConflict: string): Promise<void> {
    if (deliveries.length === 0) return;
    const params: unknown[] = [];
    const values = deliveries.map((d) => {
      const n = params.length;
      params.push(d.endpointId, d.eventId, d.eventType, d.streamId, d.position.toString(), d.body, d.occurredAt, now.toISOString());
      return `($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}::text::numeric, $${n + 6}, $${n + 7}::timestamptz, 'pending', 0, $${n + 8}::timestamptz, $${n + 8}::timestamptz)`;
    });
    // An endpoint deleted meanwhile has no queue: its rows are left out rather than failing the batch.
    await this.sql.query(
      `WITH queued AS (
         INSERT INTO ${this.t.deliveries} (endpoint_id, event_id, event_type, stream_id, position, body, occurred_at, status, attempts, next_at, first_at)
         SELECT v.* FROM (VALUES ${values.join(', ')}) AS v (endpoint_id, event_id, event_type, stream_id, position, body, occurred_at, status, attempts, next_at, first_at)
         WHERE EXISTS (SELECT 1 FROM ${this.t.endpoints} e WHERE e.id = v.endpoint_id)
         ORDER BY v.endpoint_id, v.event_id
         ON CONFLICT (endpoint_id, event_id) ${onConflict}
         RETURNING endpoint_id, stream_id, event_id, position, next_at)
       INSERT INTO ${this.t.heads} AS h (endpoint_id, stream_id, event_id, position, next_at)
       SELECT DISTINCT ON (endpoint_id, stream_id) endpoint_id, stream_id, event_id, position, next_at FROM queued
       ORDER BY endpoint_id, stream_id, position
       ON CONFLICT (endpoint_id, stream_id) DO UPDATE SET event_id = excluded.event_id, position = excluded.position, next_at = excluded.next_at
       WHERE excluded.position < h.position`,
      params,
    );
  }

  async claim(now: Date, limit: number, leaseUntil: Date, busy: readonly string[] = []): Promise<PendingDelivery[]> {
    const { rows } = await this.sql.query<{
      endpoint_id: string;
      event_id: string;
      event_type: string;
      stream_id: string;
      position: string;
      body: string;
      occurred_at: Date | string;
      attempts: number;
      first_at: Date | string;
    }>(
      // A lease lost with a crash of PostgreSQL only lets its delivery go again: no WAL flush waited for.
      `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS done),
       picked AS (
         SELECT h.endpoint_id, h.stream_id, h.next_at FROM ${this.t.heads} h CROSS JOIN relaxed
         WHERE h.next_at <= $1::timestamptz AND EXISTS (SELECT 1 FROM ${this.t.endpoints} e WHERE e.id = h.endpoint_id AND e.status = 'enabled')
           AND NOT $4::text::jsonb ? h.endpoint_id
         ORDER BY h.next_at LIMIT $2 FOR UPDATE OF h SKIP LOCKED),
       leased AS (
         UPDATE ${this.t.heads} h SET next_at = $3::timestamptz FROM picked
         WHERE h.endpoint_id = picked.endpoint_id AND h.stream_id = picked.stream_id
         RETURNING h.endpoint_id, h.event_id, picked.next_at AS due_at)
       SELECT d.endpoint_id, d.event_id, d.event_type, d.stream_id, d.position::text AS position, d.body, d.occurred_at, d.attempts, d.first_at
       FROM leased JOIN ${this.t.deliveries} d ON d.endpoint_id = leased.endpoint_id AND d.event_id = leased.event_id
       ORDER BY leased.due_at`,
      [now.toISOString(), limit, leaseUntil.toISOString(), JSON.stringify(busy)],
    );
    return rows.map((r) => ({
      endpointId: r.endpoint_id,
      eventId: r.event_id,
      eventType: r.event_type,
      streamId: r.stream_id,
      position: BigInt(r.position),
      body: r.body,
      occurredAt: iso(r.occurred_at),
      attempts: Number(r.attempts),
      firstQueuedAt: iso(r.first_at),
    }));
  }

  /** One call of the record function (webhook-tables.ts, recordAttemptFunction). */
  async record(o: AttemptOutcome): Promise<{ disabled: boolean }> {
    const a = o.attempt;
    const status = a.status === 'delivered' ? 'delivered' : o.retryAt ? 'pending' : 'failed';
    const { rows } = await this.writing(() =>
      this.sql.query<{ answer: number }>(
        `SELECT ${this.t.record}($1, $2, $3, $4, $5::timestamptz, $6, $7, $8::timestamptz, $9, $10, $11, $12::timestamptz) AS answer`,
        [
          o.endpointId,
          o.eventId,
          status,
          a.attempt,
          o.retryAt?.toISOString() ?? null,
          a.type,
          a.status,
          a.at,
          a.responseStatus,
          a.error ?? null,
          o.succeeded,
          o.disableIfFailingSince.toISOString(),
        ],
      ),
    );
    const result = { disabled: Number(rows[0]?.answer) === 1 };
    // A disabled endpoint's heads are parked, out of every claim's way, until it is enabled again.
    // Apart from the transaction above: it would otherwise lock heads other records hold.
    if (result.disabled) {
      await this.sql.query(
        `UPDATE ${this.t.heads} SET next_at = 'infinity' WHERE endpoint_id = $1 AND EXISTS (SELECT 1 FROM ${this.t.endpoints} e WHERE e.id = $1 AND e.status = 'disabled')`,
        [o.endpointId],
      );
    }
    return result;
  }

  async attempts(endpointId: string, limit: number): Promise<DeliveryAttempt[]> {
    const { rows } = await this.sql.query<{
      event_id: string;
      event_type: string;
      attempt: number;
      status: DeliveryAttempt['status'];
      at: Date | string;
      response_status: number | null;
      error: string | null;
    }>(`SELECT event_id, event_type, attempt, status, at, response_status, error FROM ${this.t.attempts} WHERE endpoint_id = $1 ORDER BY id DESC LIMIT $2`, [
      endpointId,
      limit,
    ]);
    return rows.map((r) => ({
      eventId: r.event_id,
      type: r.event_type,
      attempt: Number(r.attempt),
      status: r.status,
      at: iso(r.at),
      responseStatus: r.response_status === null ? null : Number(r.response_status),
      ...(r.error !== null && { error: r.error }),
    }));
  }

  async backlog(): Promise<{ pending: number; oldestOccurredAt?: string }> {
    const { rows } = await this.sql.query<{ pending: string | number; oldest: Date | string | null }>(
      `SELECT count(*)::text AS pending, min(occurred_at) AS oldest FROM ${this.t.deliveries} WHERE status = 'pending'`,
    );
    return { pending: Number(rows[0]?.pending ?? 0), ...(rows[0]?.oldest ? { oldestOccurredAt: isoOrUndefined(rows[0].oldest) } : {}) };
  }

  async close(): Promise<void> {
    // The SQL client belongs to the event store; its owner closes it.
  }
}
