import { DEFAULT_LIMITS, type MoneyLimits } from '@zan/contracts';
import { CONFIG_SCHEMA, tierLimitsOf, type ValidatedEnv } from './config-schema';

/** Every setting, validated (config-schema.ts); the typed config is built below. */
export { CONFIG_SCHEMA } from './config-schema';

export type Role = 'api' | 'relay' | 'projector' | 'webhooks';

/** The webhook dispatcher's settings (apps/webhooks). */
export interface WebhookSettings {
  /** ZAN_WEBHOOKS_ALLOW_PRIVATE: deliver to private, loopback and link-local addresses too. */
  allowPrivate: boolean;
  timeoutMs: number;
  retry: { baseMs: number; maxMs: number; windowMs: number; disableAfterMs: number };
  /** How long a rotated-out secret still signs deliveries beside the new one. */
  secretOverlapMs: number;
  /** Deliveries in flight at once (one per endpoint and stream at most). */
  concurrency: number;
  /** ZAN_WEBHOOKS_STORE: where endpoints, queues and logs live (auto: SQL beside SQL events, else Redis). */
  store: 'auto' | 'sql' | 'redis';
}

export interface ZanConfig {
  env: 'development' | 'production' | 'test';
  /** HTTP port of the api, or of `npm start` whatever its roles. */
  port: number;
  /** Address every HTTP server binds to: loopback unless HOST says otherwise. */
  host: string;
  /** HTTP port (health and metrics) of a relay or a projector run on its own. */
  relayPort: number;
  projectorPort: number;
  /** HTTP port (health and metrics) of the webhook dispatcher run on its own. */
  webhooksPort: number;
  webhooks: WebhookSettings;
  /** Longest a graceful shutdown waits for in-flight requests before closing anyway. */
  shutdownTimeoutMs: number;
  /** ZAN_JWT_SECRET; unset outside production, the api and `zan token` use one generated in dataDir (see secrets.ts). */
  jwtSecret: string | undefined;
  /** Longest accepted lifetime of a bearer token (exp - iat), in seconds. */
  jwtMaxLifetimeSeconds: number;
  /** ZAN_ID_SECRET: key of unguessable ids; unset, derived from the JWT secret. */
  idSecret: string | undefined;
  /**
   * Who verifies wallets: `local` checks the GB 11643 / GB 32100 check digit and answers at once;
   * `http` posts to `url` and waits for the callback signed with `callbackSecret`.
   */
  kyc: { provider: 'local' } | { provider: 'http'; url: string; callbackSecret: string };
  /** ZAN_VAULT_MASTER_KEY (32 bytes, hex or base64); unset outside production, generated into dataDir. */
  vaultMasterKey: string | undefined;
  /** ZAN_PII_HASH_KEY: key of the hashes of names and ID numbers in events; unset, derived from the master key. */
  piiHashKey: string | undefined;
  /** ZAN_DATA_DIR: the embedded event store, and the generated secret. */
  dataDir: string;
  eventStore:
    | { kind: 'embedded'; dataDir: string; schema: string }
    | { kind: 'postgres'; url: string; schema: string; poolSize: number; queryTimeoutMs: number; connectTimeoutMs: number }
    | { kind: 'eventstoredb'; url: string };
  /** sessionTimeoutMs: unset keeps kafkajs's 30 s. */
  /**
   * sendTimeoutMs: the longest one publish may take before the relay retries on new connections.
   * commitIntervalMs: the shortest time between two offset commits of a consumer.
   */
  kafka: { brokers: string[]; topicPrefix: string; partitions: number; sessionTimeoutMs?: number; sendTimeoutMs: number; commitIntervalMs: number } | undefined;
  topicPrefix: string;
  redis: { url: string; prefix: string } | undefined;
  redisPrefix: string;
  roles: Role[];
  feedLength: number;
  limits: MoneyLimits;
  idempotencyTtlHours: number;
  readWaitMs: number;
  /** Tries of a message the projector cannot apply before it goes to the dead-letter topic. */
  projectorMaxAttempts: number;
  /** Money-moving requests per user per minute, shared across instances through Redis; 0 turns it off. */
  rateLimitPerMinute: number;
  /** Queries (GETs) per user per minute, counted apart from money-moving requests; 0 turns it off. */
  queryRateLimitPerMinute: number;
  corsOrigins: string[];
  logLevel: string;
  /** auto: pretty lines on a terminal outside production, JSON lines otherwise. */
  logFormat: 'auto' | 'json' | 'pretty';
  /** Set when an OTLP endpoint is configured; tracing is off otherwise. */
  tracing: { endpoint: string; serviceName?: string } | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates the environment and builds the typed config; throws ConfigError naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): ZanConfig => {
  const result = CONFIG_SCHEMA.validate(env, { abortEarly: true, convert: true });
  const { error } = result;
  if (error) {
    const key = error.details[0]?.path.join('.') ?? 'unknown';
    throw new ConfigError(`invalid setting ${key}: ${error.details[0]?.message ?? error.message}`);
  }
  const v = result.value;
  if (v.ZAN_TIP_MIN > v.ZAN_TIP_MAX) throw new ConfigError('invalid setting ZAN_TIP_MIN: greater than ZAN_TIP_MAX');
  if (v.NODE_ENV === 'production' && !v.ZAN_JWT_SECRET) {
    throw new ConfigError('invalid setting ZAN_JWT_SECRET: required in production');
  }
  const kyc = kycOf(v);
  const storeUrl = v.ZAN_EVENT_STORE;
  const eventStore: ZanConfig['eventStore'] = !storeUrl
    ? { kind: 'embedded', dataDir: v.ZAN_DATA_DIR, schema: v.ZAN_PG_SCHEMA }
    : storeUrl.startsWith('postgres')
      ? {
          kind: 'postgres',
          url: storeUrl,
          schema: v.ZAN_PG_SCHEMA,
          poolSize: v.ZAN_PG_POOL_SIZE,
          queryTimeoutMs: v.ZAN_PG_QUERY_TIMEOUT_MS,
          connectTimeoutMs: v.ZAN_PG_CONNECT_TIMEOUT_MS,
        }
      : { kind: 'eventstoredb', url: storeUrl };
  // Beside EventStoreDB there is no SQL database: the api keeps idempotency records and timers in Redis.
  if (eventStore.kind === 'eventstoredb' && !v.REDIS_URL && String(v.ZAN_ROLES).split(',').includes('api')) {
    throw new ConfigError(
      'invalid setting REDIS_URL: required with an EventStoreDB event store, where the api keeps idempotency records and timers (a process without the api: set ZAN_ROLES)',
    );
  }
  if (v.ZAN_WEBHOOKS_STORE === 'redis' && !v.REDIS_URL) throw new ConfigError('invalid setting ZAN_WEBHOOKS_STORE: redis needs REDIS_URL');
  if (v.ZAN_WEBHOOKS_STORE === 'sql' && eventStore.kind === 'eventstoredb') {
    throw new ConfigError('invalid setting ZAN_WEBHOOKS_STORE: sql needs a PostgreSQL or embedded event store (EventStoreDB has no SQL database)');
  }
  // The api's idempotency records and timers beside EventStoreDB use keys across slots.
  if (eventStore.kind === 'eventstoredb' && v.REDIS_URL?.startsWith('redis+cluster:')) {
    throw new ConfigError(
      'invalid setting REDIS_URL: a Redis Cluster holds the read models and rate limits, not the idempotency records and timers kept in Redis beside EventStoreDB; use one Redis there',
    );
  }
  if (v.ZAN_WEBHOOKS_STORE === 'redis' && v.REDIS_URL?.startsWith('redis+cluster:')) {
    throw new ConfigError('invalid setting ZAN_WEBHOOKS_STORE: redis is kept on one Redis, not a Redis Cluster (its queues span slots); use sql or auto');
  }
  // Joi refuses empty strings: an endpoint set is a non-empty one.
  const otlpEndpoint = v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? v.OTEL_EXPORTER_OTLP_ENDPOINT;
  return {
    env: v.NODE_ENV,
    port: v.PORT,
    host: v.HOST,
    relayPort: v.ZAN_RELAY_PORT,
    projectorPort: v.ZAN_PROJECTOR_PORT,
    webhooksPort: v.ZAN_WEBHOOKS_PORT,
    webhooks: {
      allowPrivate: v.ZAN_WEBHOOKS_ALLOW_PRIVATE,
      timeoutMs: v.ZAN_WEBHOOKS_TIMEOUT_MS,
      retry: {
        baseMs: v.ZAN_WEBHOOKS_RETRY_BASE_MS,
        maxMs: v.ZAN_WEBHOOKS_RETRY_MAX_MS,
        windowMs: v.ZAN_WEBHOOKS_RETRY_WINDOW_MS,
        disableAfterMs: v.ZAN_WEBHOOKS_DISABLE_AFTER_MS,
      },
      secretOverlapMs: v.ZAN_WEBHOOKS_SECRET_OVERLAP_MS,
      concurrency: v.ZAN_WEBHOOKS_CONCURRENCY,
      store: v.ZAN_WEBHOOKS_STORE,
    },
    shutdownTimeoutMs: v.ZAN_SHUTDOWN_TIMEOUT_MS,
    jwtSecret: v.ZAN_JWT_SECRET,
    jwtMaxLifetimeSeconds: v.ZAN_JWT_MAX_LIFETIME_SECONDS,
    idSecret: v.ZAN_ID_SECRET,
    kyc,
    vaultMasterKey: v.ZAN_VAULT_MASTER_KEY,
    piiHashKey: v.ZAN_PII_HASH_KEY,
    dataDir: v.ZAN_DATA_DIR,
    eventStore,
    kafka: v.KAFKA_BROKERS
      ? {
          brokers: String(v.KAFKA_BROKERS).split(','),
          topicPrefix: v.ZAN_TOPIC_PREFIX,
          partitions: v.KAFKA_PARTITIONS,
          sendTimeoutMs: v.KAFKA_SEND_TIMEOUT_MS,
          commitIntervalMs: v.KAFKA_COMMIT_INTERVAL_MS,
          ...(v.KAFKA_SESSION_TIMEOUT_MS === undefined ? {} : { sessionTimeoutMs: v.KAFKA_SESSION_TIMEOUT_MS }),
        }
      : undefined,
    topicPrefix: v.ZAN_TOPIC_PREFIX,
    redis: v.REDIS_URL ? { url: v.REDIS_URL, prefix: v.ZAN_REDIS_PREFIX } : undefined,
    redisPrefix: v.ZAN_REDIS_PREFIX,
    roles: [...new Set(String(v.ZAN_ROLES).split(',') as Role[])],
    feedLength: v.ZAN_FEED_LENGTH,
    limits: {
      ...DEFAULT_LIMITS,
      tip: { min: v.ZAN_TIP_MIN, max: v.ZAN_TIP_MAX },
      redPacket: {
        ...DEFAULT_LIMITS.redPacket,
        maxTotal: v.ZAN_RED_PACKET_MAX,
        maxShares: v.ZAN_RED_PACKET_MAX_SHARES,
        ttlMs: v.ZAN_RED_PACKET_TTL_SECONDS * 1000,
      },
      funding: { ...DEFAULT_LIMITS.funding, max: v.ZAN_FUNDING_MAX },
      dailySpend: v.ZAN_DAILY_SPEND_LIMIT,
      cardsPerWallet: v.ZAN_CARDS_PER_WALLET,
      tiers: tierLimitsOf(v),
    },
    idempotencyTtlHours: v.ZAN_IDEMPOTENCY_TTL_HOURS,
    readWaitMs: v.ZAN_READ_WAIT_MS,
    projectorMaxAttempts: v.ZAN_PROJECTOR_MAX_ATTEMPTS,
    rateLimitPerMinute: v.ZAN_RATE_LIMIT_PER_MINUTE,
    queryRateLimitPerMinute: v.ZAN_QUERY_RATE_LIMIT_PER_MINUTE,
    corsOrigins: v.ZAN_CORS_ORIGINS ? String(v.ZAN_CORS_ORIGINS).split(',') : [],
    logLevel: v.ZAN_LOG_LEVEL,
    logFormat: v.ZAN_LOG_FORMAT,
    tracing: otlpEndpoint ? { endpoint: otlpEndpoint, serviceName: v.OTEL_SERVICE_NAME } : undefined,
  };
};

const kycOf = (v: ValidatedEnv): ZanConfig['kyc'] => {
  if (v.ZAN_KYC_PROVIDER !== 'http') return { provider: 'local' };
  if (!v.ZAN_KYC_URL) throw new ConfigError('invalid setting ZAN_KYC_URL: required with ZAN_KYC_PROVIDER=http');
  if (!v.ZAN_KYC_CALLBACK_SECRET) throw new ConfigError('invalid setting ZAN_KYC_CALLBACK_SECRET: required with ZAN_KYC_PROVIDER=http');
  return { provider: 'http', url: v.ZAN_KYC_URL, callbackSecret: v.ZAN_KYC_CALLBACK_SECRET };
};

export const ZAN_CONFIG = Symbol('ZAN_CONFIG');
