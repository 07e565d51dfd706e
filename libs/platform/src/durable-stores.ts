import type Redis from 'ioredis';
import { openRedis as openRedisClient } from '@zan/read-models';
import type { SqlClient } from '@zan/event-store';
import {
  MemoryThrottlerStorage,
  RedisIdempotencyStore,
  RedisThrottlerStorage,
  RedisTimerStore,
  SqlIdempotencyStore,
  SqlTimerStore,
  type IdempotencyStore,
  type RateLimitStore,
  type TimerStore,
} from '@zan/stores';
import { RedisPersonalDataVault, SqlPersonalDataVault, type PersonalDataVault } from './kyc/personal-data-vault';
import type { VaultKeys } from './secrets';
import type { ZanConfig } from './zan.config';

/**
 * The api's own durable records, beside the events: idempotency records, expiry timers, rate-limit
 * counters and the personal data vault. Chosen here, with the other adapters.
 */
export interface DurableStores {
  idempotency: IdempotencyStore;
  timers: TimerStore;
  rateLimits: RateLimitStore;
  vault: PersonalDataVault;
  /** Closes what the stores opened (their Redis connection); the SQL client is the event store's to close. */
  close(): Promise<void>;
}

export const DURABLE_STORES = Symbol('DURABLE_STORES');

/** EventStoreDB keeps no tables of ours: the api's records go to the `zan` schema only beside SQL events. */
const schemaOf = (config: ZanConfig): string => (config.eventStore.kind === 'eventstoredb' ? 'zan' : config.eventStore.schema);

/** The connection the api's Redis stores share (rate limits always, the rest beside EventStoreDB): one node or a cluster. */
const openRedis = (url: string): Redis => {
  // A Cluster client serves the rate limits' one-key script like a node (a cluster is refused beside
  // EventStoreDB, zan.config.ts): the stores take it through the commands both have.
  const redis = openRedisClient(url, { maxRetriesPerRequest: 2 }) as Redis;
  // A lost connection fails the commands in flight (a 503 that is logged); ioredis reconnects on
  // its own. Without a listener it prints every reconnection error as an unhandled stack trace.
  redis.on('error', () => undefined);
  return redis;
};

/**
 * Beside a SQL event store (PostgreSQL, embedded) the records are tables in its database, created
 * here before anything uses them; beside EventStoreDB there is no SQL database, so they live in
 * Redis. Rate limits are counted in Redis whenever REDIS_URL is set (shared by every api replica),
 * else in memory (one process).
 */
export const createDurableStores = async (config: ZanConfig, sql: SqlClient | undefined, keys: VaultKeys): Promise<DurableStores> => {
  const redis = config.redis ? openRedis(config.redis.url) : undefined;
  const close = async (): Promise<void> => void (await redis?.quit().catch(() => undefined));
  try {
    const rateLimits = redis ? new RedisThrottlerStorage(redis, config.redisPrefix) : new MemoryThrottlerStorage();
    if (sql) {
      const schema = schemaOf(config);
      // Its table is beside the events, in the event store's schema: a command's append may take a key (AppendOptions.claims).
      const idempotency = new SqlIdempotencyStore(sql, schema, { claimsWithEvents: true });
      const timers = new SqlTimerStore(sql, schema);
      const vault = new SqlPersonalDataVault(sql, schema, keys.masterKey);
      for (const store of [idempotency, timers, vault]) await store.migrate();
      return { idempotency, timers, rateLimits, vault, close };
    }
    if (!redis) throw new Error('REDIS_URL is required with an EventStoreDB event store: the api keeps idempotency records and timers in Redis');
    return {
      idempotency: new RedisIdempotencyStore(redis, { prefix: config.redisPrefix, retentionMs: config.idempotencyTtlHours * 3_600_000 }),
      timers: new RedisTimerStore(redis, { prefix: config.redisPrefix }),
      rateLimits,
      vault: new RedisPersonalDataVault(redis, config.redisPrefix, keys.masterKey),
      close,
    };
  } catch (error) {
    redis?.disconnect();
    throw error;
  }
};
