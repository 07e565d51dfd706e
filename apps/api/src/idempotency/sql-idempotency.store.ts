import type { SqlClient } from '@zan/event-store';
import type { Begin, IdempotencyStore, StoredResponse } from './idempotency.store';

interface Row {
  request_hash: string;
  state: 'pending' | 'done';
  /** The answer as JSON text: replays are byte for byte the first answer (jsonb would reorder keys). */
  response: string | null;
  locked_until: Date | string;
  created_at: Date | string;
}

/** Idempotency records in the event store's own database (PostgreSQL or the embedded one). */
export class SqlIdempotencyStore implements IdempotencyStore {
  private readonly table: string;

  constructor(
    private readonly sql: SqlClient,
    schema: string,
  ) {
    this.table = `"${schema}".idempotency`;
  }

  async migrate(): Promise<void> {
    await this.sql.query(`
      CREATE TABLE IF NOT EXISTS ${this.table} (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        state text NOT NULL,
        response text,
        locked_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL,
        PRIMARY KEY (scope, key)
      )`);
    await this.sql.query(`CREATE INDEX IF NOT EXISTS idempotency_created_at ON ${this.table} (created_at)`);
  }

  async begin(scope: string, key: string, requestHash: string, leaseMs: number, now: Date): Promise<Begin> {
    const lockedUntil = new Date(now.getTime() + leaseMs);
    const inserted = await this.sql.query<{ created_at: Date | string }>(
      `INSERT INTO ${this.table} (scope, key, request_hash, state, locked_until, created_at)
       VALUES ($1, $2, $3, 'pending', $4, $5) ON CONFLICT (scope, key) DO NOTHING RETURNING created_at`,
      [scope, key, requestHash, lockedUntil.toISOString(), now.toISOString()],
    );
    if (inserted.rows.length === 1) return { outcome: 'started', createdAt: now, takenOver: false };

    const found = await this.sql.query<Row>(
      `SELECT request_hash, state, response, locked_until, created_at FROM ${this.table} WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    const row = found.rows[0];
    if (!row) return this.begin(scope, key, requestHash, leaseMs, now); // expired between the two statements
    if (row.request_hash !== requestHash) return { outcome: 'mismatch' };
    if (row.state === 'done' && row.response) return { outcome: 'replay', response: JSON.parse(row.response) as StoredResponse };
    if (new Date(row.locked_until).getTime() > now.getTime()) return { outcome: 'in-progress' };

    // The process that held the lease is gone: take the record over, exactly one taker wins.
    const taken = await this.sql.query(
      `UPDATE ${this.table} SET locked_until = $3 WHERE scope = $1 AND key = $2 AND state = 'pending' AND locked_until = $4 RETURNING key`,
      [scope, key, lockedUntil.toISOString(), new Date(row.locked_until).toISOString()],
    );
    if (taken.rows.length === 1) return { outcome: 'started', createdAt: new Date(row.created_at), takenOver: true };
    return { outcome: 'in-progress' };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.sql.query(`UPDATE ${this.table} SET state = 'done', response = $3 WHERE scope = $1 AND key = $2`, [
      scope,
      key,
      JSON.stringify(response),
    ]);
  }

  async release(scope: string, key: string): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.table} WHERE scope = $1 AND key = $2 AND state = 'pending'`, [scope, key]);
  }

  async expire(olderThan: Date): Promise<number> {
    const result = await this.sql.query<{ key: string }>(
      `DELETE FROM ${this.table} WHERE created_at < $1 AND (state = 'done' OR locked_until < $1) RETURNING key`,
      [olderThan.toISOString()],
    );
    return result.rows.length;
  }
}
