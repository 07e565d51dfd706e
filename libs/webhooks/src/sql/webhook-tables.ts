import type { SqlClient } from '@zan/event-store';

export interface WebhookTables {
  endpoints: string;
  deliveries: string;
  attempts: string;
  heads: string;
  /** The function that records an attempt (recordAttemptFunction). */
  record: string;
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
    await tx.query(recordAttemptFunction(t));
  });
};

/**
 * Records an attempt in one call (the dispatcher's hottest statement: one round trip, not six):
 * the delivery and its log entry first, then its queue's head (the order enqueue takes them in, so
 * neither waits for the other in a cycle), moved on by a statement whose snapshot, taken after the
 * head's lock, sees whatever was queued behind it (each statement of a volatile function takes its
 * own); then the endpoint's failing streak, which disables it past the window. Committed without
 * waiting for the WAL flush: a record lost with a crash of PostgreSQL sends its delivery again, as a
 * crash of the dispatcher before recording would. Answers -1 (no longer pending: nothing recorded),
 * 0, or 1 (this attempt disabled the endpoint).
 */
const recordAttemptFunction = (t: WebhookTables): string => `
CREATE OR REPLACE FUNCTION ${t.record}(p_endpoint text, p_event text, p_status text, p_attempt integer, p_retry_at timestamptz,
  p_type text, p_attempt_status text, p_at timestamptz, p_response integer, p_error text, p_succeeded boolean, p_disable_before timestamptz)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $record$
DECLARE
  v_stream text;
  v_head text;
  v_next record;
  v_status text;
  v_since timestamptz;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);
  UPDATE ${t.deliveries} SET status = p_status, attempts = p_attempt, next_at = COALESCE(p_retry_at, next_at)
    WHERE endpoint_id = p_endpoint AND event_id = p_event AND status = 'pending' RETURNING stream_id INTO v_stream;
  IF v_stream IS NULL THEN RETURN -1; END IF;
  INSERT INTO ${t.attempts} (endpoint_id, event_id, event_type, attempt, status, at, response_status, error)
    VALUES (p_endpoint, p_event, p_type, p_attempt, p_attempt_status, p_at, p_response, p_error);
  SELECT event_id INTO v_head FROM ${t.heads} WHERE endpoint_id = p_endpoint AND stream_id = v_stream FOR UPDATE;
  -- Moved only when this delivery was its head (a replay may have put an earlier one there).
  IF v_head = p_event THEN
    SELECT event_id, position, next_at INTO v_next FROM ${t.deliveries}
      WHERE endpoint_id = p_endpoint AND stream_id = v_stream AND status = 'pending' ORDER BY position LIMIT 1;
    IF FOUND THEN
      UPDATE ${t.heads} SET event_id = v_next.event_id, position = v_next.position, next_at = v_next.next_at
        WHERE endpoint_id = p_endpoint AND stream_id = v_stream;
    ELSE
      DELETE FROM ${t.heads} WHERE endpoint_id = p_endpoint AND stream_id = v_stream;
    END IF;
  END IF;
  IF p_succeeded THEN
    UPDATE ${t.endpoints} SET failing_since = NULL WHERE id = p_endpoint AND failing_since IS NOT NULL;
    RETURN 0;
  END IF;
  SELECT status, failing_since INTO v_status, v_since FROM ${t.endpoints} WHERE id = p_endpoint FOR UPDATE;
  IF NOT FOUND THEN RETURN 0; END IF;
  v_since := COALESCE(v_since, p_at);
  IF v_status = 'enabled' AND v_since <= p_disable_before THEN
    UPDATE ${t.endpoints} SET failing_since = v_since, status = 'disabled', disabled_at = p_at,
      disabled_reason = 'every delivery failed since ' || to_char(v_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      WHERE id = p_endpoint;
    RETURN 1;
  END IF;
  UPDATE ${t.endpoints} SET failing_since = v_since WHERE id = p_endpoint;
  RETURN 0;
END
$record$`;
