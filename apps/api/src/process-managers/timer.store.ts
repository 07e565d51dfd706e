import type { SqlClient } from '@zan/event-store';

/** Durable timers: what must happen at a time, surviving restarts. */
export interface TimerStore {
  schedule(id: string, dueAt: Date): Promise<void>;
  cancel(id: string): Promise<void>;
  due(now: Date, limit: number): Promise<{ id: string; dueAt: Date }[]>;
}

export const TIMER_STORE = Symbol('TIMER_STORE');

export class SqlTimerStore implements TimerStore {
  private readonly table: string;

  constructor(
    private readonly sql: SqlClient,
    schema: string,
  ) {
    this.table = `"${schema}".timers`;
  }

  async migrate(): Promise<void> {
    await this.sql.query(`CREATE TABLE IF NOT EXISTS ${this.table} (id text PRIMARY KEY, due_at timestamptz NOT NULL)`);
    await this.sql.query(`CREATE INDEX IF NOT EXISTS timers_due_at ON ${this.table} (due_at)`);
  }

  async schedule(id: string, dueAt: Date): Promise<void> {
    await this.sql.query(`INSERT INTO ${this.table} (id, due_at) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET due_at = excluded.due_at`, [id, dueAt.toISOString()]);
  }

  async cancel(id: string): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.table} WHERE id = $1`, [id]);
  }

  async due(now: Date, limit: number): Promise<{ id: string; dueAt: Date }[]> {
    const result = await this.sql.query<{ id: string; due_at: Date | string }>(
      `SELECT id, due_at FROM ${this.table} WHERE due_at <= $1 ORDER BY due_at LIMIT $2`,
      [now.toISOString(), limit],
    );
    return result.rows.map((row) => ({ id: row.id, dueAt: new Date(row.due_at) }));
  }
}
