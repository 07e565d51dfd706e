import { DEFAULT_SCHEMA, migrate } from '../sql/schema';
import { SqlCheckpointStore } from '../sql/sql-checkpoint-store';
import { SqlEventStore } from '../sql/sql-event-store';
import { PgSqlClient } from './pg-sql-client';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema of the event tables (default `zan`). */
  schema?: string;
  /** Pool size (default 10); LISTEN takes one more connection. */
  poolSize?: number;
  /** Poll interval of caught-up subscriptions when no NOTIFY arrives (default 250 ms). */
  pollIntervalMs?: number;
  applicationName?: string;
}

export interface PostgresEventStore {
  eventStore: SqlEventStore;
  checkpoints: SqlCheckpointStore;
  /** The pool behind both, for tables that belong beside the events (idempotency keys, timers). */
  sql: PgSqlClient;
  schema: string;
}

/** Connects, migrates the schema, and returns the store. eventStore.close() also closes the pool. */
export const createPostgresEventStore = async (options: PostgresEventStoreOptions): Promise<PostgresEventStore> => {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const sql = new PgSqlClient({
    connectionString: options.connectionString,
    poolSize: options.poolSize,
    applicationName: options.applicationName,
  });
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
