export * from './event-store.port';
export * from './sql/sql-client';
export {
  DEFAULT_SCHEMA,
  LATEST_SCHEMA_VERSION,
  SchemaTooNew,
  TX_INDEX_LIMIT,
  assertSchemaName,
  eventsChannel,
  migrate,
  underMigrationLock,
} from './sql/schema';
export { decodePosition, encodePosition } from './sql/position';
export * from './sql/sql-event-store';
export * from './sql/sql-checkpoint-store';
export * from './sql/open-sql-event-store';
export * from './subscription/catch-up-subscription';
export * from './subscription/wakeup';
export * from './subscription/resilient-subscription';
export * from './subscription/redrive';
export * from './postgres/pg-sql-client';
export * from './postgres/postgres-event-store';
export * from './embedded/pglite-sql-client';
export * from './embedded/embedded-event-store';
export { DataFolderDamaged, DataFolderInUse, DataFolderLock, DataFolderMissing } from './embedded/data-folder-lock';
export * from './memory/memory-event-store';
export * from './eventstoredb/eventstoredb-event-store';
export * from './eventstoredb/eventstoredb-checkpoint-store';
export * from './eventstoredb/create-eventstoredb-event-store';
export { ZAN_STREAM_PREFIXES } from './eventstoredb/records';
