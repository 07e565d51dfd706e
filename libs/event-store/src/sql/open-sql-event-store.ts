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

/**
 * Migrates the schema and builds the stores over a driver that both adapters share (one schema,
 * two drivers). The store owns the driver: eventStore.close() closes it; a failed migration closes it too.
 */
export const openSqlEventStore = async <Client extends SqlClient>(
  sql: Client,
  options: { schema?: string; pollIntervalMs?: number },
): Promise<OpenedSqlEventStore<Client>> => {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  try {
    await migrate(sql, schema);
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
