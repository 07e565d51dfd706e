import { underMigrationLock, type SqlClient } from '@zan/event-store';
import type { DueTimer, TimerCause, TimerStore } from './timer-store.port';

/** Durable timers in the event store's own database (PostgreSQL or the embedded one). */
export class SqlTimerStore implements TimerStore {
  private readonly table: string;

  constructor(
    private readonly sql: SqlClient,
    private readonly schema: string,
  ) {
    this.table = `"${schema}".timers`;
  }

  migrate(): Promise<void> {
    return underMigrationLock(this.sql, this.schema, async (tx) => {
      await tx.query(`CREATE TABLE IF NOT EXISTS ${this.table} (id text PRIMARY KEY, due_at timestamptz NOT NULL)`);
      await tx.query(`CREATE INDEX IF NOT EXISTS timers_due_at ON ${this.table} (due_at)`);
      // Since v1.1; timers stored before have none and still fire.
      await tx.query(`ALTER TABLE ${this.table} ADD COLUMN IF NOT EXISTS correlation_id text, ADD COLUMN IF NOT EXISTS causation_id text`);
    });
  }

  async schedule(id: string, dueAt: Date, cause?: TimerCause): Promise<void> {
    await this.sql.query(
      `INSERT INTO ${this.table} (id, due_at, correlation_id, causation_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at, correlation_id = excluded.correlation_id, causation_id = excluded.causation_id`,
      [id, dueAt.toISOString(), cause?.correlationId ?? null, cause?.causationId ?? null],
    );
  }

  async cancel(id: string): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
  }

  async now(): Promise<Date> {
    const result = await this.sql.query<{ now: Date | string }>('SELECT clock_timestamp() AS now');
    return new Date(result.rows[0]!.now);
  }

  async due(now: Date, limit: number): Promise<DueTimer[]> {
    const result = await this.sql.query<{ id: string; due_at: Date | string; correlation_id: string | null; causation_id: string | null }>(
      `SELECT id, due_at, correlation_id, causation_id FROM ${this.table} WHERE due_at <= $1 ORDER BY due_at LIMIT $2`,
      [now.toISOString(), limit],
    );
    return result.rows.map((row) => ({
      id: row.id,
      dueAt: new Date(row.due_at),
      ...(row.correlation_id !== null && row.causation_id !== null && { cause: { correlationId: row.correlation_id, causationId: row.causation_id } }),
    }));
  }
}
