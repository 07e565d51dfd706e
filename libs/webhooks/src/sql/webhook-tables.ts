import type { SqlClient } from '@zan/event-store';

export interface WebhookTables {
  endpoints: string;
  deliveries: string;
  attempts: string;
  heads: string;
}

/**
 * The dispatcher's state beside the events: endpoints (secrets included: they never enter the event
 * log), a queue row per (endpoint, event) kept after delivery so a redelivered event is not queued
 * twice, the attempt log, and the head of each (endpoint, stream) queue: its lowest pending delivery
 * and when it may next be sent (its retry time, or the end of a dispatcher's lease on it), so the
 * next due deliveries are found by an index instead of a look over every pending one. Created under
 * an advisory lock so concurrent starts do not collide; heads missing (a store from before them) are
 * filled in from the pending deliveries.
 */
export const migrateWebhookTables = async (sql: SqlClient, t: WebhookTables): Promise<void> => {
  await sql.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('zan:webhooks:migrate'))`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${t.endpoints} (
      id text PRIMARY KEY,
      url text NOT NULL,
      events jsonb NOT NULL,
      description text,
      status text NOT NULL,
      disabled_reason text,
      disabled_at timestamptz,
      from_position numeric NOT NULL,
      failing_since timestamptz,
      created_at timestamptz NOT NULL,
      secrets jsonb NOT NULL)`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${t.deliveries} (
      endpoint_id text NOT NULL REFERENCES ${t.endpoints} (id) ON DELETE CASCADE,
      event_id text NOT NULL,
      event_type text NOT NULL,
      stream_id text NOT NULL,
      position numeric NOT NULL,
      body text NOT NULL,
      occurred_at timestamptz NOT NULL,
      status text NOT NULL,
      attempts integer NOT NULL DEFAULT 0,
      next_at timestamptz NOT NULL,
      first_at timestamptz NOT NULL,
      PRIMARY KEY (endpoint_id, event_id))`);
    await tx.query(`CREATE INDEX IF NOT EXISTS webhook_deliveries_pending ON ${t.deliveries} (endpoint_id, stream_id, position) WHERE status = 'pending'`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${t.attempts} (
      id bigserial PRIMARY KEY,
      endpoint_id text NOT NULL REFERENCES ${t.endpoints} (id) ON DELETE CASCADE,
      event_id text NOT NULL,
      event_type text NOT NULL,
      attempt integer NOT NULL,
      status text NOT NULL,
      at timestamptz NOT NULL,
      response_status integer,
      error text)`);
    await tx.query(`CREATE INDEX IF NOT EXISTS webhook_attempts_by_endpoint ON ${t.attempts} (endpoint_id, id DESC)`);
    await tx.query(`CREATE TABLE IF NOT EXISTS ${t.heads} (
      endpoint_id text NOT NULL REFERENCES ${t.endpoints} (id) ON DELETE CASCADE,
      stream_id text NOT NULL,
      event_id text NOT NULL,
      position numeric NOT NULL,
      next_at timestamptz NOT NULL,
      PRIMARY KEY (endpoint_id, stream_id))`);
    await tx.query(`CREATE INDEX IF NOT EXISTS webhook_heads_due ON ${t.heads} (next_at)`);
    await tx.query(`INSERT INTO ${t.heads} (endpoint_id, stream_id, event_id, position, next_at)
      SELECT DISTINCT ON (endpoint_id, stream_id) endpoint_id, stream_id, event_id, position, next_at
      FROM ${t.deliveries} WHERE status = 'pending' ORDER BY endpoint_id, stream_id, position
      ON CONFLICT (endpoint_id, stream_id) DO NOTHING`);
  });
};
