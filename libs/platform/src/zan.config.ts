import * as Joi from 'joi';
import { ACCOUNT_TIERS, DEFAULT_LIMITS, type AccountTier, type MoneyLimits, type TierLimits } from '@zan/contracts';

/** ZAN_TIER_<TIER>_<LIMIT>, e.g. ZAN_TIER_UNVERIFIED_DAILY: the settings of the tiers' limits. */
const TIER_LIMITS: Record<keyof TierLimits, string> = { perPayment: 'PER_PAYMENT', daily: 'DAILY', annual: 'ANNUAL' };
const tierSetting = (tier: AccountTier, limit: keyof TierLimits): `ZAN_TIER_${string}` => `ZAN_TIER_${tier.toUpperCase()}_${TIER_LIMITS[limit]}`;

const tierSettings = (): Record<string, Joi.NumberSchema> => {
  const settings: Record<string, Joi.NumberSchema> = {};
  for (const tier of ACCOUNT_TIERS) {
    for (const limit of Object.keys(TIER_LIMITS) as (keyof TierLimits)[]) {
      settings[tierSetting(tier, limit)] = Joi.number().integer().min(0).max(Number.MAX_SAFE_INTEGER).default(DEFAULT_LIMITS.tiers[tier][limit]);
    }
  }
  return settings;
};

/** The tiers' limits from validated settings (a limit above a tighter one of the same tier is simply moot). */
const tierLimitsOf = (v: ValidatedEnv): MoneyLimits['tiers'] => {
  const tiers = {} as MoneyLimits['tiers'];
  for (const tier of ACCOUNT_TIERS) {
    const [perPayment, daily, annual] = (['perPayment', 'daily', 'annual'] as const).map((limit) => v[tierSetting(tier, limit)]!);
    tiers[tier] = { perPayment: perPayment!, daily: daily!, annual: annual! };
  }
  return tiers;
};

/** The environment as CONFIG_SCHEMA leaves it: defaults filled in, numbers converted. */
interface ValidatedEnv {
  /** ZAN_TIER_<TIER>_<LIMIT>: nine numbers, one per tier and limit (tierSetting). */
  [tierSetting: `ZAN_TIER_${string}`]: number;
  NODE_ENV: ZanConfig['env'];
  PORT: number;
  HOST: string;
  ZAN_RELAY_PORT: number;
  ZAN_PROJECTOR_PORT: number;
  ZAN_SHUTDOWN_TIMEOUT_MS: number;
  ZAN_JWT_SECRET?: string;
  ZAN_JWT_MAX_LIFETIME_SECONDS: number;
  ZAN_ID_SECRET?: string;
  ZAN_KYC_PROVIDER: 'local' | 'http';
  ZAN_KYC_URL?: string;
  ZAN_KYC_CALLBACK_SECRET?: string;
  ZAN_VAULT_MASTER_KEY?: string;
  ZAN_PII_HASH_KEY?: string;
  ZAN_CARDS_PER_WALLET: number;
  ZAN_EVENT_STORE?: string;
  ZAN_PG_SCHEMA: string;
  ZAN_PG_POOL_SIZE: number;
  ZAN_DATA_DIR: string;
  KAFKA_BROKERS?: string;
  KAFKA_PARTITIONS: number;
  KAFKA_SESSION_TIMEOUT_MS?: number;
  KAFKA_SEND_TIMEOUT_MS: number;
  ZAN_PROJECTOR_MAX_ATTEMPTS: number;
  ZAN_TOPIC_PREFIX: string;
  REDIS_URL?: string;
  ZAN_REDIS_PREFIX: string;
  ZAN_ROLES: string;
  ZAN_FEED_LENGTH: number;
  ZAN_TIP_MIN: number;
  ZAN_TIP_MAX: number;
  ZAN_RED_PACKET_MAX: number;
  ZAN_RED_PACKET_MAX_SHARES: number;
  ZAN_RED_PACKET_TTL_SECONDS: number;
  ZAN_FUNDING_MAX: number;
  ZAN_DAILY_SPEND_LIMIT: number;
  ZAN_IDEMPOTENCY_TTL_HOURS: number;
  ZAN_READ_WAIT_MS: number;
  ZAN_RATE_LIMIT_PER_MINUTE: number;
  ZAN_QUERY_RATE_LIMIT_PER_MINUTE: number;
  ZAN_CORS_ORIGINS?: string;
  ZAN_LOG_LEVEL: string;
  ZAN_LOG_FORMAT: ZanConfig['logFormat'];
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;
  OTEL_SERVICE_NAME?: string;
  ZAN_WEBHOOKS_PORT: number;
  ZAN_WEBHOOKS_ALLOW_PRIVATE: boolean;
  ZAN_WEBHOOKS_TIMEOUT_MS: number;
  ZAN_WEBHOOKS_RETRY_BASE_MS: number;
  ZAN_WEBHOOKS_RETRY_MAX_MS: number;
  ZAN_WEBHOOKS_RETRY_WINDOW_MS: number;
  ZAN_WEBHOOKS_DISABLE_AFTER_MS: number;
  ZAN_WEBHOOKS_SECRET_OVERLAP_MS: number;
  ZAN_WEBHOOKS_CONCURRENCY: number;
}

/**
 * Every setting Zan reads, validated once at start. A bad value stops the app with one line
 * naming the variable. Names are part of the operators' contract (README, docker-compose.yml).
 */
export const CONFIG_SCHEMA = Joi.object<ValidatedEnv>({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  PORT: Joi.number().port().default(3000),
  // Loopback unless told otherwise: a default install is not reachable from the network.
  HOST: Joi.string().hostname().default('127.0.0.1'),
  ZAN_RELAY_PORT: Joi.number().port().default(3001),
  ZAN_PROJECTOR_PORT: Joi.number().port().default(3002),
  ZAN_WEBHOOKS_PORT: Joi.number().port().default(3003),
  ZAN_SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).max(600_000).default(10_000),
  ZAN_JWT_SECRET: Joi.string().min(16),
  ZAN_JWT_MAX_LIFETIME_SECONDS: Joi.number().integer().min(60).max(30 * 86_400).default(86_400),
  ZAN_ID_SECRET: Joi.string().min(16),
  // Verification (KYC): the provider, and the keys of the personal data vault (see secrets.ts).
  ZAN_KYC_PROVIDER: Joi.string().valid('local', 'http').default('local'),
  ZAN_KYC_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  ZAN_KYC_CALLBACK_SECRET: Joi.string().min(16),
  ZAN_VAULT_MASTER_KEY: Joi.string().pattern(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/),
  ZAN_PII_HASH_KEY: Joi.string().min(16),
  ZAN_CARDS_PER_WALLET: Joi.number().integer().min(1).max(1000).default(DEFAULT_LIMITS.cardsPerWallet),
  ZAN_EVENT_STORE: Joi.string().pattern(/^(postgres|postgresql|esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent):\/\//),
  ZAN_PG_SCHEMA: Joi.string().pattern(/^[a-z_][a-z0-9_]{0,62}$/).default('zan'),
  ZAN_PG_POOL_SIZE: Joi.number().integer().min(1).max(200).default(20),
  ZAN_DATA_DIR: Joi.string().default('./data'),
  KAFKA_BROKERS: Joi.string().pattern(/^[^,\s]+(,[^,\s]+)*$/),
  KAFKA_PARTITIONS: Joi.number().integer().min(1).max(1024).default(3),
  KAFKA_SESSION_TIMEOUT_MS: Joi.number().integer().min(6000).max(300_000),
  KAFKA_SEND_TIMEOUT_MS: Joi.number().integer().min(1000).max(600_000).default(30_000),
  ZAN_PROJECTOR_MAX_ATTEMPTS: Joi.number().integer().min(1).max(1000).default(5),
  ZAN_TOPIC_PREFIX: Joi.string().pattern(/^[A-Za-z0-9._-]{1,100}$/).default('zan'),
  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }),
  ZAN_REDIS_PREFIX: Joi.string().max(100).default('zan:'),
  ZAN_ROLES: Joi.string().pattern(/^(api|relay|projector|webhooks)(,(api|relay|projector|webhooks))*$/).default('api,relay,projector,webhooks'),
  // Webhooks (CONTRACT.md, "Webhooks"): retries from about 5 s doubling to 1 h apart, for 24 h; an
  // endpoint failing everything for 3 days is disabled. Shorter values are for tests and drills.
  ZAN_WEBHOOKS_ALLOW_PRIVATE: Joi.boolean().default(false),
  ZAN_WEBHOOKS_TIMEOUT_MS: Joi.number().integer().min(100).max(60_000).default(10_000),
  ZAN_WEBHOOKS_RETRY_BASE_MS: Joi.number().integer().min(1).max(3_600_000).default(5_000),
  ZAN_WEBHOOKS_RETRY_MAX_MS: Joi.number().integer().min(1).max(86_400_000).default(3_600_000),
  ZAN_WEBHOOKS_RETRY_WINDOW_MS: Joi.number().integer().min(1).default(86_400_000),
  ZAN_WEBHOOKS_DISABLE_AFTER_MS: Joi.number().integer().min(1).default(3 * 86_400_000),
  ZAN_WEBHOOKS_SECRET_OVERLAP_MS: Joi.number().integer().min(0).max(30 * 86_400_000).default(86_400_000),
  ZAN_WEBHOOKS_CONCURRENCY: Joi.number().integer().min(1).max(1000).default(64),
  ZAN_FEED_LENGTH: Joi.number().integer().min(10).max(100_000).default(1000),
  ZAN_TIP_MIN: Joi.number().integer().min(1).default(DEFAULT_LIMITS.tip.min),
  ZAN_TIP_MAX: Joi.number().integer().min(1).default(DEFAULT_LIMITS.tip.max),
  ZAN_RED_PACKET_MAX: Joi.number().integer().min(1).default(DEFAULT_LIMITS.redPacket.maxTotal),
  ZAN_RED_PACKET_MAX_SHARES: Joi.number().integer().min(1).max(10_000).default(DEFAULT_LIMITS.redPacket.maxShares),
  ZAN_RED_PACKET_TTL_SECONDS: Joi.number().integer().min(1).default(DEFAULT_LIMITS.redPacket.ttlMs / 1000),
  ZAN_FUNDING_MAX: Joi.number().integer().min(1).default(DEFAULT_LIMITS.funding.max),
  ZAN_DAILY_SPEND_LIMIT: Joi.number().integer().min(0).default(DEFAULT_LIMITS.dailySpend),
  // Outgoing limits by verification tier (fen, 0: none), after the PBoC account classes: docs/operations.md.
  ...tierSettings(),
  ZAN_IDEMPOTENCY_TTL_HOURS: Joi.number().integer().min(24).default(48),
  ZAN_READ_WAIT_MS: Joi.number().integer().min(0).max(60_000).default(5000),
  ZAN_RATE_LIMIT_PER_MINUTE: Joi.number().integer().min(0).default(600),
  ZAN_QUERY_RATE_LIMIT_PER_MINUTE: Joi.number().integer().min(0).default(3000),
  ZAN_CORS_ORIGINS: Joi.string().pattern(/^(https?:\/\/[^,\s]+)(,https?:\/\/[^,\s]+)*$/).allow(''),
  ZAN_LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  ZAN_LOG_FORMAT: Joi.string().valid('auto', 'json', 'pretty').default('auto'),
  // Tracing is off unless an OTLP/HTTP endpoint is set (the standard OpenTelemetry variables).
  OTEL_EXPORTER_OTLP_ENDPOINT: Joi.string().uri({ scheme: ['http', 'https'] }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Joi.string().uri({ scheme: ['http', 'https'] }),
  OTEL_SERVICE_NAME: Joi.string().pattern(/^[A-Za-z0-9._-]{1,100}$/),
}).unknown(true);

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
    | { kind: 'postgres'; url: string; schema: string; poolSize: number }
    | { kind: 'eventstoredb'; url: string };
  /** sessionTimeoutMs: unset keeps kafkajs's 30 s. */
  /** sendTimeoutMs: the longest one publish may take before the relay retries on new connections. */
  kafka: { brokers: string[]; topicPrefix: string; partitions: number; sessionTimeoutMs?: number; sendTimeoutMs: number } | undefined;
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
      ? { kind: 'postgres', url: storeUrl, schema: v.ZAN_PG_SCHEMA, poolSize: v.ZAN_PG_POOL_SIZE }
      : { kind: 'eventstoredb', url: storeUrl };
  // Beside EventStoreDB there is no SQL database: the api keeps idempotency records and timers in Redis.
  if (eventStore.kind === 'eventstoredb' && !v.REDIS_URL && String(v.ZAN_ROLES).split(',').includes('api')) {
    throw new ConfigError(
      'invalid setting REDIS_URL: required with an EventStoreDB event store, where the api keeps idempotency records and timers (a process without the api: set ZAN_ROLES)',
    );
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
