import type { CheckpointStore } from '../event-store.port';
import { assertSchemaName, DEFAULT_SCHEMA } from './schema';
import { quoteIdent, type SqlQueryable } from './sql-client';

/** Checkpoints in the event store's schema. Positions are kept as numeric, so any bigint fits. */
export class SqlCheckpointStore implements CheckpointStore {
  private readonly table: string;

  constructor(
    private readonly sql: SqlQueryable,
    options: { schema?: string } = {},
  ) {
    this.table = `${quoteIdent(assertSchemaName(options.schema ?? DEFAULT_SCHEMA))}.checkpoints`;
  }

  async load(name: string): Promise<bigint | undefined> {
    const { rows } = await this.sql.query<{ position: string }>(`SELECT position::text AS position FROM ${this.table} WHERE name = $1::text`, [name]);
    return rows.length === 0 ? undefined : BigInt(rows[0].position);
  }

  /**
   * Committed without waiting for the WAL flush (`synchronous_commit` off for this statement only):
   * a checkpoint lost in a database crash only means its subscriber redoes what came after the
   * previous one, which every subscriber must survive anyway (a crash between its work and the
   * save). The relay saves one per batch published, many a second under load.
   */
  async save(name: string, position: bigint): Promise<void> {
    if (typeof position !== 'bigint' || position < 0n) throw new RangeError(`checkpoint position must be a non-negative bigint`);
    await this.sql.query(
      `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true) AS done)
       INSERT INTO ${this.table} (name, position, updated_at)
       SELECT $1::text, $2::text::numeric, now() FROM relaxed
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      [name, position.toString()],
    );
  }

  async delete(name: string): Promise<void> {
    await this.sql.query(`DELETE FROM ${this.table} WHERE name = $1::text`, [name]);
  }
}
