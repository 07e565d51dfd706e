import type { SqlClient } from './sql-client';
import { DEFAULT_SCHEMA, migrate } from './schema';
import { SqlCheckpointStore } from './sql-checkpoint-store';
import { SqlEventStore } from './sql-event-store';

/** A SQL event store on its driver: the events, the checkpoints beside them, and the driver itself. */
export interface OpenedSqlEventStore<Client extends SqlClient> {
  eventStore: SqlEventStore;
  checkpoints: SqlCheckpointStore;
  sql: Client;
  schema: string;
}

/** A reader (the CLI) was pointed at a schema with no events table: nothing is created for it. */
export class SchemaMissing extends Error {
  constructor(readonly schema: string) {
    super(`schema ${schema} does not exist (no Zan events there: check ZAN_PG_SCHEMA)`);
    this.name = 'SchemaMissing';
  }
}

const schemaExists = async (sql: SqlClient, schema: string): Promise<boolean> => {
  const { rows } = await sql.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'events'`, [schema]);
  return rows.length > 0;
};

/**
 * Migrates the schema (or, with `existing`, only checks that it is there) and builds the stores over a driver that both adapters share (one schema,
 * two drivers). The store owns the driver: eventStore.close() closes it; a failed migration closes it too.
 */
export const openSqlEventStore = async <Client extends SqlClient>(
  sql: Client,
  options: { schema?: string; pollIntervalMs?: number; existing?: boolean },
): Promise<OpenedSqlEventStore<Client>> => {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  try {
    if (!options.existing) await migrate(sql, schema);
    else if (!(await schemaExists(sql, schema))) throw new SchemaMissing(schema);
  } catch (error) {
    await sql.close();
    throw error;
  }
  return {
    eventStore: new SqlEventStore(sql, { schema, pollIntervalMs: options.pollIntervalMs, ownsClient: true }),
    checkpoints: new SqlCheckpointStore(sql, { schema }),
    sql,
    schema,
  };
};
