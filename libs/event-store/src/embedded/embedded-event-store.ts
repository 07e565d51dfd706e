import { DEFAULT_SCHEMA, migrate } from '../sql/schema';
import { SqlCheckpointStore } from '../sql/sql-checkpoint-store';
import { SqlEventStore } from '../sql/sql-event-store';
import { PgliteSqlClient } from './pglite-sql-client';

export interface EmbeddedEventStoreOptions {
  /** Folder of the database, created if missing; `memory://` keeps it in memory. One process per folder. */
  dataDir: string;
  schema?: string;
  pollIntervalMs?: number;
}

export interface EmbeddedEventStore {
  eventStore: SqlEventStore;
  checkpoints: SqlCheckpointStore;
  sql: PgliteSqlClient;
  schema: string;
}

/** The same SQL as the PostgreSQL store, on PGlite: no server to run. eventStore.close() closes the database. */
export const createEmbeddedEventStore = async (options: EmbeddedEventStoreOptions): Promise<EmbeddedEventStore> => {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const sql = await PgliteSqlClient.open(options.dataDir);
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
