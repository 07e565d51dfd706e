import { openSqlEventStore, type OpenedSqlEventStore } from '../sql/open-sql-event-store';
import { PgSqlClient } from './pg-sql-client';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema of the event tables (default `zan`). */
  schema?: string;
  /** Pool size (default 10); LISTEN takes one more connection. */
  poolSize?: number;
  /** Longest a statement may go unanswered before its connection is dropped (default 15 s). */
  queryTimeoutMs?: number;
  /** Longest wait for a pooled connection, opening one included (default 10 s). */
  connectTimeoutMs?: number;
  /** Poll interval of caught-up subscriptions when no NOTIFY arrives (default 250 ms). */
  pollIntervalMs?: number;
  applicationName?: string;
  /** Read only what exists (the CLI): a missing schema is an error, never created or migrated. */
  existing?: boolean;
}

/** `sql` is the pool behind both, for tables that belong beside the events (idempotency keys, timers). */
export type PostgresEventStore = OpenedSqlEventStore<PgSqlClient>;

/** Connects, migrates the schema, and returns the store. eventStore.close() also closes the pool. */
export const createPostgresEventStore = async (options: PostgresEventStoreOptions): Promise<PostgresEventStore> => {
  const sql = new PgSqlClient({
    connectionString: options.connectionString,
    poolSize: options.poolSize,
    queryTimeoutMs: options.queryTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    applicationName: options.applicationName,
  });
  return openSqlEventStore(sql, options);
};
