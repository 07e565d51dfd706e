/**
 * The settings Zan reads (environment variables), as one Joi schema: names, types, bounds and defaults.
 * zan.config.ts turns what it validates into the typed ZanConfig.
 */
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
export const tierLimitsOf = (v: ValidatedEnv): MoneyLimits['tiers'] => {
  const tiers = {} as MoneyLimits['tiers'];
  for (const tier of ACCOUNT_TIERS) {
    const [perPayment, daily, annual] = (['perPayment', 'daily', 'annual'] as const).map((limit) => v[tierSetting(tier, limit)]!);
    tiers[tier] = { perPayment: perPayment!, daily: daily!, annual: annual! };
  }
  return tiers;
};

/** The environment as CONFIG_SCHEMA leaves it: defaults filled in, numbers converted. */
export interface ValidatedEnv {
  /** ZAN_TIER_<TIER>_<LIMIT>: nine numbers, one per tier and limit (tierSetting). */
  [tierSetting: `ZAN_TIER_${string}`]: number;
  NODE_ENV: 'development' | 'production' | 'test';
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
  ZAN_PG_QUERY_TIMEOUT_MS: number;
  ZAN_PG_CONNECT_TIMEOUT_MS: number;
  ZAN_DATA_DIR: string;
  KAFKA_BROKERS?: string;
  KAFKA_PARTITIONS: number;
  KAFKA_SESSION_TIMEOUT_MS?: number;
  KAFKA_SEND_TIMEOUT_MS: number;
  KAFKA_COMMIT_INTERVAL_MS: number;
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
  ZAN_LOG_FORMAT: 'auto' | 'json' | 'pretty';
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
  ZAN_WEBHOOKS_STORE: 'auto' | 'sql' | 'redis';
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
  ZAN_JWT_MAX_LIFETIME_SECONDS: Joi.number()
    .integer()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
  ZAN_ID_SECRET: Joi.string().min(16),
  // Verification (KYC): the provider, and the keys of the personal data vault (see secrets.ts).
  ZAN_KYC_PROVIDER: Joi.string().valid('local', 'http').default('local'),
  ZAN_KYC_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  ZAN_KYC_CALLBACK_SECRET: Joi.string().min(16),
  ZAN_VAULT_MASTER_KEY: Joi.string().pattern(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/),
  ZAN_PII_HASH_KEY: Joi.string().min(16),
  ZAN_CARDS_PER_WALLET: Joi.number().integer().min(1).max(1000).default(DEFAULT_LIMITS.cardsPerWallet),
  ZAN_EVENT_STORE: Joi.string().pattern(/^(postgres|postgresql|esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent):\/\//),
  ZAN_PG_SCHEMA: Joi.string()
    .pattern(/^[a-z_][a-z0-9_]{0,62}$/)
    .default('zan'),
  ZAN_PG_POOL_SIZE: Joi.number().integer().min(1).max(200).default(20),
  // Deadlines on PostgreSQL: a connection gone silent (a partition) answers in bounded time, then is dropped.
  ZAN_PG_QUERY_TIMEOUT_MS: Joi.number().integer().min(100).max(3_600_000).default(15_000),
  ZAN_PG_CONNECT_TIMEOUT_MS: Joi.number().integer().min(100).max(600_000).default(10_000),
  ZAN_DATA_DIR: Joi.string().default('./data'),
  // host:port, as kafkajs reads a broker (it splits at ':'): a broker without a port, or with a
  // scheme, would be tried on port NaN for ever instead of refused.
  KAFKA_BROKERS: Joi.string()
    .pattern(/^[^,\s:/]+:\d{1,5}(,[^,\s:/]+:\d{1,5})*$/, 'host:port,host:port,...')
    .custom((value: string) => {
      if (value.split(',').some((broker) => Number(broker.split(':')[1]) > 65_535)) throw new Error('a port above 65535');
      return value;
    }),
  KAFKA_PARTITIONS: Joi.number().integer().min(1).max(1024).default(3),
  KAFKA_SESSION_TIMEOUT_MS: Joi.number().integer().min(6000).max(300_000),
  KAFKA_SEND_TIMEOUT_MS: Joi.number().integer().min(1000).max(600_000).default(30_000),
  KAFKA_COMMIT_INTERVAL_MS: Joi.number().integer().min(0).max(60_000).default(200),
  ZAN_PROJECTOR_MAX_ATTEMPTS: Joi.number().integer().min(1).max(1000).default(5),
  ZAN_TOPIC_PREFIX: Joi.string()
    .pattern(/^[A-Za-z0-9._-]{1,100}$/)
    .default('zan'),
  // One node (redis://, rediss://) or the seed nodes of a Redis Cluster (redis+cluster://host:port,host:port,...).
  // One node's URL may name a database (/N) and nothing else: ioredis sends SELECT with whatever the
  // path holds (SELECT NaN: an uncaught error once started) and takes a port it cannot use.
  REDIS_URL: Joi.alternatives().try(
    Joi.string()
      .uri({ scheme: ['redis', 'rediss'] })
      .custom((value: string) => {
        let path: string;
        try {
          path = new URL(value).pathname;
        } catch {
          throw new Error('not a URL (a port above 65535?)');
        }
        if (!/^\/?\d*$/.test(path)) throw new Error(`path ${path} is not a database number`);
        return value;
      }),
    Joi.string().pattern(/^redis\+cluster:\/\/([^@/\s]+@)?[^,:/\s]+:\d{1,5}(,[^,:/\s]+:\d{1,5})*\/?$/, 'redis+cluster://host:port,host:port,...'),
  ),
  ZAN_REDIS_PREFIX: Joi.string().max(100).default('zan:'),
  ZAN_ROLES: Joi.string()
    .pattern(/^(api|relay|projector|webhooks)(,(api|relay|projector|webhooks))*$/)
    .default('api,relay,projector,webhooks'),
  // Webhooks (CONTRACT.md, "Webhooks"): retries from about 5 s doubling to 1 h apart, for 24 h; an
  // endpoint failing everything for 3 days is disabled. Shorter values are for tests and drills.
  ZAN_WEBHOOKS_ALLOW_PRIVATE: Joi.boolean().default(false),
  ZAN_WEBHOOKS_TIMEOUT_MS: Joi.number().integer().min(100).max(60_000).default(10_000),
  ZAN_WEBHOOKS_RETRY_BASE_MS: Joi.number().integer().min(1).max(3_600_000).default(5_000),
  ZAN_WEBHOOKS_RETRY_MAX_MS: Joi.number().integer().min(1).max(86_400_000).default(3_600_000),
  ZAN_WEBHOOKS_RETRY_WINDOW_MS: Joi.number().integer().min(1).default(86_400_000),
  ZAN_WEBHOOKS_DISABLE_AFTER_MS: Joi.number()
    .integer()
    .min(1)
    .default(3 * 86_400_000),
  ZAN_WEBHOOKS_SECRET_OVERLAP_MS: Joi.number()
    .integer()
    .min(0)
    .max(30 * 86_400_000)
    .default(86_400_000),
  ZAN_WEBHOOKS_CONCURRENCY: Joi.number().integer().min(1).max(1000).default(64),
  // Where endpoints, queues and logs live: auto = the event store's SQL database when it has one
  // (PostgreSQL, embedded), else Redis (beside EventStoreDB, with REDIS_URL).
  ZAN_WEBHOOKS_STORE: Joi.string().valid('auto', 'sql', 'redis').default('auto'),
  ZAN_FEED_LENGTH: Joi.number().integer().min(10).max(100_000).default(1000),
  ZAN_TIP_MIN: Joi.number().integer().min(1).default(DEFAULT_LIMITS.tip.min),
  ZAN_TIP_MAX: Joi.number().integer().min(1).default(DEFAULT_LIMITS.tip.max),
  ZAN_RED_PACKET_MAX: Joi.number().integer().min(1).default(DEFAULT_LIMITS.redPacket.maxTotal),
  ZAN_RED_PACKET_MAX_SHARES: Joi.number().integer().min(1).max(10_000).default(DEFAULT_LIMITS.redPacket.maxShares),
  // At most a year: far beyond it the expiry is no date, and every send failed.
  ZAN_RED_PACKET_TTL_SECONDS: Joi.number()
    .integer()
    .min(1)
    .max(366 * 24 * 3600)
    .default(DEFAULT_LIMITS.redPacket.ttlMs / 1000),
  ZAN_FUNDING_MAX: Joi.number().integer().min(1).default(DEFAULT_LIMITS.funding.max),
  ZAN_DAILY_SPEND_LIMIT: Joi.number().integer().min(0).default(DEFAULT_LIMITS.dailySpend),
  // Outgoing limits by verification tier (fen, 0: none), after the PBoC account classes: docs/operations.md.
  ...tierSettings(),
  ZAN_IDEMPOTENCY_TTL_HOURS: Joi.number().integer().min(24).default(48),
  ZAN_READ_WAIT_MS: Joi.number().integer().min(0).max(60_000).default(5000),
  ZAN_RATE_LIMIT_PER_MINUTE: Joi.number().integer().min(0).default(600),
  ZAN_QUERY_RATE_LIMIT_PER_MINUTE: Joi.number().integer().min(0).default(3000),
  ZAN_CORS_ORIGINS: Joi.string()
    .pattern(/^(https?:\/\/[^,\s]+)(,https?:\/\/[^,\s]+)*$/)
    .allow(''),
  ZAN_LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  ZAN_LOG_FORMAT: Joi.string().valid('auto', 'json', 'pretty').default('auto'),
  // Tracing is off unless an OTLP/HTTP endpoint is set (the standard OpenTelemetry variables).
  OTEL_EXPORTER_OTLP_ENDPOINT: Joi.string().uri({ scheme: ['http', 'https'] }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: Joi.string().uri({ scheme: ['http', 'https'] }),
  OTEL_SERVICE_NAME: Joi.string().pattern(/^[A-Za-z0-9._-]{1,100}$/),
}).unknown(true);
