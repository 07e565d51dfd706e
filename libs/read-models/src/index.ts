export * from './views';
export * from './read-model-store.port';
export * from './projection';
export * from './projections';
export * from './keys';
export { comparePositions, padPosition } from './positions';
export * from './memory/memory-read-model-store';
export * from './redis/redis-read-model-store';
