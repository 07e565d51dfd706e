import { Inject, Module, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { getOptionsToken, getStorageToken } from '@nestjs/throttler';
import Redis from 'ioredis';
import { SQL_CLIENT, type SqlClient } from '@zan/event-store';
import {
  PERSONAL_DATA_VAULT,
  RedisPersonalDataVault,
  SqlPersonalDataVault,
  ZAN_CONFIG,
  ZAN_SECRETS,
  ZAN_VAULT_KEYS,
  type PersonalDataVault,
  type VaultKeys,
  type ZanConfig,
  ZanMetrics,
  loadSecrets,
  loadVaultKeys,
} from '@zan/platform';
import { ARTICLE_CONTROLLERS, ARTICLE_PROVIDERS } from './articles/articles';
import { AuthGuard } from './auth/auth.guard';
import { CommandRunner } from './command-path/command-runner';
import { ArticleStreams } from './command-path/article-streams';
import { RedPacketStreams } from './command-path/red-packet-streams';
import { WalletStreams } from './command-path/wallet-streams';
import { ProblemFilter } from './http/problem.filter';
import { MemoryThrottlerStorage, MoneyRateLimitGuard, RATE_LIMIT_REDIS, RedisThrottlerStorage } from './http/rate-limit';
import { strictValidationPipe } from './http/validation';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from './idempotency/idempotency.store';
import { IDEMPOTENCY_SWEEP_OPTIONS, IdempotencySweeper } from './idempotency/idempotency-sweeper';
import { CommandMetrics } from './observability/command-metrics';
import { RedisIdempotencyStore } from './idempotency/redis-idempotency.store';
import { SqlIdempotencyStore } from './idempotency/sql-idempotency.store';
import { VerificationController } from './verification/verification.controller';
import { Verifications } from './verification/verifications';
import { CreditsProcessManager } from './process-managers/credits.process-manager';
import { EXPIRY_OPTIONS, ExpiryScheduler } from './process-managers/expiry.scheduler';
import { RedisTimerStore } from './process-managers/redis-timer.store';
import { SqlTimerStore, TIMER_STORE, type TimerStore } from './process-managers/timer.store';
import { ReadYourWrites } from './queries/read-your-writes';
import { RED_PACKET_CONTROLLERS, RED_PACKET_PROVIDERS } from './red-packets/red-packets';
import { TIP_CONTROLLERS, TIP_PROVIDERS } from './tips/tips';
import { TRANSFER_CONTROLLERS, TRANSFER_PROVIDERS } from './transfers/transfers';
import { WALLET_CONTROLLERS, WALLET_PROVIDERS } from './wallets/wallets';

const schemaOf = (config: ZanConfig): string => (config.eventStore.kind === 'eventstoredb' ? 'zan' : config.eventStore.schema);

/** Beside EventStoreDB there is no SQL database: idempotency records and timers live in Redis. */
const requireRedis = (redis: Redis | null): Redis => {
  if (!redis) throw new Error('REDIS_URL is required with an EventStoreDB event store: the api keeps idempotency records and timers in Redis');
  return redis;
};

class RateLimitRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(RATE_LIMIT_REDIS) private readonly redis: Redis | null) {}
  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}

/** Creates the api's own tables (idempotency records, timers) beside SQL events; Redis needs none. */
class ApiMigrations implements OnModuleInit {
  constructor(
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
    @Inject(TIMER_STORE) private readonly timers: TimerStore,
    @Inject(PERSONAL_DATA_VAULT) private readonly vault: PersonalDataVault,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.idempotency instanceof SqlIdempotencyStore) await this.idempotency.migrate();
    if (this.timers instanceof SqlTimerStore) await this.timers.migrate();
    if (this.vault instanceof SqlPersonalDataVault) await this.vault.migrate();
  }
}

/**
 * Which singletons this replica runs, as gauges (1 leader, 0 standby), and how far behind the credits are. /health/ready is left as it
 * is: a standby replica is exactly as ready to serve requests as the leader.
 */
class SingletonsMetrics implements OnModuleInit {
  constructor(
    private readonly credits: CreditsProcessManager,
    private readonly expiries: ExpiryScheduler,
    @Optional() private readonly metrics?: ZanMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics?.gauge('zan_credits_leader', 'Whether this replica runs the credits process manager (1) or stands by (0)', () => Number(this.credits.leading));
    this.metrics?.gauge('zan_expiry_timers_leader', 'Whether this replica runs the red packet expiry timers (1) or stands by (0)', () => Number(this.expiries.leading));
    this.metrics?.gauge(
      'zan_oldest_payment_in_flight_seconds',
      'Age of the oldest event the credits process manager has not finished with (a debit not yet credited, a packet not yet escrowed); 0 when caught up',
      // Unknown (NaN) while the event store cannot be read: the rest of /metrics must still answer.
      () => this.credits.oldestInFlightSeconds().catch(() => Number.NaN),
    );
  }
}

@Module({
  imports: [
    CqrsModule.forRoot(),
  ],
  controllers: [
    ...WALLET_CONTROLLERS,
    ...TRANSFER_CONTROLLERS,
    ...TIP_CONTROLLERS,
    ...RED_PACKET_CONTROLLERS,
    ...ARTICLE_CONTROLLERS,
    VerificationController,
  ],
  providers: [
    // ZAN_JWT_SECRET, or (outside production) the secret generated into the data folder.
    { provide: ZAN_SECRETS, inject: [ZAN_CONFIG], useFactory: (config: ZanConfig) => loadSecrets(config) },
    { provide: APP_FILTER, useClass: ProblemFilter },
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: MoneyRateLimitGuard },
    {
      provide: getOptionsToken(),
      inject: [ZAN_CONFIG],
      useFactory: (config: ZanConfig) => ({
        throttlers: [
          { name: 'money', ttl: 60_000, limit: config.rateLimitPerMinute, skipIf: () => config.rateLimitPerMinute === 0 },
          { name: 'queries', ttl: 60_000, limit: config.queryRateLimitPerMinute, skipIf: () => config.queryRateLimitPerMinute === 0 },
        ],
      }),
    },
    {
      provide: RATE_LIMIT_REDIS,
      inject: [ZAN_CONFIG],
      useFactory: (config: ZanConfig) => {
        if (!config.redis) return null;
        // socketTimeout: a connection that answers nothing for 10 s after a command is dead (no reset
        // comes after a failover or a lost NAT entry); ioredis drops it and reconnects.
        const redis = new Redis(config.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2, socketTimeout: 10_000 });
        // A lost connection fails the commands in flight (a 503 that is logged); ioredis reconnects on
        // its own. Without a listener it prints every reconnection error as an unhandled stack trace.
        redis.on('error', () => undefined);
        return redis;
      },
    },
    {
      provide: getStorageToken(),
      inject: [ZAN_CONFIG, RATE_LIMIT_REDIS],
      useFactory: (config: ZanConfig, redis: Redis | null) =>
        redis ? new RedisThrottlerStorage(redis, config.redisPrefix) : new MemoryThrottlerStorage(),
    },
    RateLimitRedisCloser,
    { provide: APP_PIPE, useFactory: strictValidationPipe },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
    {
      provide: IDEMPOTENCY_STORE,
      inject: [SQL_CLIENT, ZAN_CONFIG, RATE_LIMIT_REDIS],
      useFactory: (sql: SqlClient | null, config: ZanConfig, redis: Redis | null): IdempotencyStore =>
        sql
          ? new SqlIdempotencyStore(sql, schemaOf(config))
          : new RedisIdempotencyStore(requireRedis(redis), { prefix: config.redisPrefix, retentionMs: config.idempotencyTtlHours * 3_600_000 }),
    },
    {
      provide: TIMER_STORE,
      inject: [SQL_CLIENT, ZAN_CONFIG, RATE_LIMIT_REDIS],
      useFactory: (sql: SqlClient | null, config: ZanConfig, redis: Redis | null): TimerStore =>
        sql ? new SqlTimerStore(sql, schemaOf(config)) : new RedisTimerStore(requireRedis(redis), { prefix: config.redisPrefix }),
    },
    // The personal data vault lives beside the events: SQL tables (PostgreSQL, embedded), else Redis.
    { provide: ZAN_VAULT_KEYS, inject: [ZAN_CONFIG], useFactory: (config: ZanConfig) => loadVaultKeys(config) },
    {
      provide: PERSONAL_DATA_VAULT,
      inject: [SQL_CLIENT, ZAN_CONFIG, RATE_LIMIT_REDIS, ZAN_VAULT_KEYS],
      useFactory: (sql: SqlClient | null, config: ZanConfig, redis: Redis | null, keys: VaultKeys): PersonalDataVault =>
        sql
          ? new SqlPersonalDataVault(sql, schemaOf(config), keys.masterKey)
          : new RedisPersonalDataVault(requireRedis(redis), config.redisPrefix, keys.masterKey),
    },
    Verifications,
    { provide: EXPIRY_OPTIONS, useValue: { tickMs: 1000 } },
    { provide: IDEMPOTENCY_SWEEP_OPTIONS, useValue: { everyMs: 3_600_000 } },
    IdempotencySweeper,
    ApiMigrations,
    CommandMetrics,
    CommandRunner,
    WalletStreams,
    RedPacketStreams,
    ArticleStreams,
    ReadYourWrites,
    ExpiryScheduler,
    CreditsProcessManager,
    SingletonsMetrics,
    ...WALLET_PROVIDERS,
    ...TRANSFER_PROVIDERS,
    ...TIP_PROVIDERS,
    ...RED_PACKET_PROVIDERS,
    ...ARTICLE_PROVIDERS,
  ],
  exports: [CommandRunner, CreditsProcessManager, ExpiryScheduler],
})
export class ApiModule {}

