export * from './views';
export * from './read-model-store.port';
export * from './projection';
export * from './projections';
export * from './keys';
export * from './stats';
export { comparePositions, padPosition } from './positions';
export * from './memory/memory-read-model-store';
export * from './redis/redis-read-model-store';
export { CannotFold, ChangeFold, bulkApplyArgs, type RedisCommand } from './redis/change-fold';
export { BULK_APPLY_SCRIPT, LUA_APPLY_CHANGE } from './redis/scripts';
export { isClusterUrl, openRedis, scanAll, unlinkAll, type RedisClient } from './redis/client';
export {
  applyOrSkip,
  isPoison,
  rebuildFromEventStore,
  RebuildTimeout,
  type EventSource,
  type RebuildFromEventStoreOptions,
  type RebuildResult,
} from './rebuild/rebuild';
