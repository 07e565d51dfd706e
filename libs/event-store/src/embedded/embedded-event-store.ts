import { openSqlEventStore, type OpenedSqlEventStore } from '../sql/open-sql-event-store';
import { PgliteSqlClient } from './pglite-sql-client';

export interface EmbeddedEventStoreOptions {
  /** Folder of the database, created if missing; `memory://` keeps it in memory. One process per folder. */
  dataDir: string;
  schema?: string;
  pollIntervalMs?: number;
  /** Read only what exists (the CLI): a missing folder or schema is an error, never created or migrated. */
  existing?: boolean;
}

export type EmbeddedEventStore = OpenedSqlEventStore<PgliteSqlClient>;

/** The same SQL as the PostgreSQL store, on PGlite: no server to run. eventStore.close() closes the database. */
export const createEmbeddedEventStore = async (options: EmbeddedEventStoreOptions): Promise<EmbeddedEventStore> => {
  const sql = await PgliteSqlClient.open(options.dataDir, { existing: options.existing });
  return openSqlEventStore(sql, options);
};
