import { Inject, Module, OnModuleInit, Optional } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, DiscoveryModule } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { getOptionsToken, getStorageToken } from '@nestjs/throttler';
import { CLOCK, type Clock, ZAN_CONFIG, type ZanConfig, ZanMetrics } from '@zan/platform';
import { RATE_LIMIT_STORE } from '@zan/stores';
import { ARTICLE_CONTROLLERS, ARTICLE_PROVIDERS } from './articles/articles';
import { GROUP_BUY_CONTROLLERS, GROUP_BUY_PROVIDERS } from './group-buys/group-buys';
import { ORDER_CONTROLLERS, ORDER_PROVIDERS } from './orders/orders';
import { PRODUCT_CONTROLLERS, PRODUCT_PROVIDERS } from './products/products';
import { PAYMENT_CONTROLLERS, PAYMENT_PROVIDERS } from './payments/payments';
import { AuthGuard } from './auth/auth.guard';
import { STATS_CONTROLLERS } from './stats/stats';
import { CommandRunner } from './command-path/command-runner';
import { ArticleStreams } from './command-path/article-streams';
import { PaymentCodeStreams } from './command-path/payment-code-streams';
import { RedPacketStreams } from './command-path/red-packet-streams';
import { WalletStreams } from './command-path/wallet-streams';
import { ProblemFilter } from './http/problem.filter';
import { MoneyRateLimitGuard } from './http/rate-limit';
import { EarlyAuthentication } from './auth/early-authentication';
import { RefusalGate } from './refusal-gate/refusal-gate';
import { strictValidationPipe } from './http/validation';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IDEMPOTENCY_SWEEP_OPTIONS, IdempotencySweeper } from './idempotency/idempotency-sweeper';
import { CommandMetrics } from './observability/command-metrics';
import { VERIFICATION_CONTROLLERS, VERIFICATION_PROVIDERS } from './verification/verification';
import { CreditsProcessManager } from './process-managers/credits.process-manager';
import { EXPIRY_OPTIONS, ExpiryScheduler } from './process-managers/expiry.scheduler';
import { ReadYourWrites } from './queries/read-your-writes';
import { RED_PACKET_CONTROLLERS, RED_PACKET_PROVIDERS } from './red-packets/red-packets';
import { TIP_CONTROLLERS, TIP_PROVIDERS } from './tips/tips';
import { TRANSFER_CONTROLLERS, TRANSFER_PROVIDERS } from './transfers/transfers';
import { WALLET_CONTROLLERS, WALLET_PROVIDERS } from './wallets/wallets';
import { WEBHOOK_CONTROLLERS, WEBHOOK_PROVIDERS } from './webhooks/webhooks';

/**
 * Which singletons this replica runs, as gauges (1 leader, 0 standby), and how far behind the credits are. /health/ready is left as it
 * is: a standby replica is exactly as ready to serve requests as the leader.
 */
class SingletonsMetrics implements OnModuleInit {
  constructor(
    private readonly credits: CreditsProcessManager,
    private readonly expiries: ExpiryScheduler,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() private readonly metrics?: ZanMetrics,
  ) {}

  onModuleInit(): void {
    this.metrics?.gauge('zan_credits_leader', 'Whether this replica runs the credits process manager (1) or stands by (0)', () => Number(this.credits.leading));
    this.metrics?.gauge('zan_expiry_timers_leader', 'Whether this replica runs the red packet expiry timers (1) or stands by (0)', () =>
      Number(this.expiries.leading),
    );
    this.metrics?.gauge(
      'zan_oldest_payment_in_flight_seconds',
      'Age of the oldest event the credits process manager has not finished with (a debit not yet credited, a packet not yet escrowed); 0 when caught up',
      // Unknown (NaN) while the event store cannot be read: the rest of /metrics must still answer.
      // Measured by the shared clock (SharedClock) that stamped the events, not this machine's.
      () => this.credits.oldestInFlightSeconds(this.clock.now().getTime()).catch(() => Number.NaN),
    );
  }
}

@Module({
  imports: [CqrsModule.forRoot(), DiscoveryModule],
  controllers: [
    ...WALLET_CONTROLLERS,
    ...TRANSFER_CONTROLLERS,
    ...TIP_CONTROLLERS,
    ...RED_PACKET_CONTROLLERS,
    ...ARTICLE_CONTROLLERS,
    ...VERIFICATION_CONTROLLERS,
    ...PRODUCT_CONTROLLERS,
    ...ORDER_CONTROLLERS,
    ...GROUP_BUY_CONTROLLERS,
    ...WEBHOOK_CONTROLLERS,
    ...PAYMENT_CONTROLLERS,
    ...STATS_CONTROLLERS,
  ],
  providers: [
    // The filter, the guards and the interceptor are the app's, and the refusal gate's too (RefusalGate).
    ProblemFilter,
    AuthGuard,
    MoneyRateLimitGuard,
    IdempotencyInterceptor,
    EarlyAuthentication,
    RefusalGate,
    { provide: APP_FILTER, useExisting: ProblemFilter },
    { provide: APP_GUARD, useExisting: AuthGuard },
    { provide: APP_GUARD, useExisting: MoneyRateLimitGuard },
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
    // Adapters (stores, bus, event store) come from @zan/platform; the throttler counts in its rate-limit store.
    { provide: getStorageToken(), useExisting: RATE_LIMIT_STORE },
    { provide: APP_PIPE, useFactory: strictValidationPipe },
    { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor },
    { provide: EXPIRY_OPTIONS, useValue: { tickMs: 1000 } },
    { provide: IDEMPOTENCY_SWEEP_OPTIONS, useValue: { everyMs: 3_600_000 } },
    IdempotencySweeper,
    CommandMetrics,
    CommandRunner,
    WalletStreams,
    RedPacketStreams,
    ArticleStreams,
    PaymentCodeStreams,
    ReadYourWrites,
    ExpiryScheduler,
    CreditsProcessManager,
    SingletonsMetrics,
    ...WALLET_PROVIDERS,
    ...TRANSFER_PROVIDERS,
    ...TIP_PROVIDERS,
    ...RED_PACKET_PROVIDERS,
    ...ARTICLE_PROVIDERS,
    ...VERIFICATION_PROVIDERS,
    ...PRODUCT_PROVIDERS,
    ...ORDER_PROVIDERS,
    ...GROUP_BUY_PROVIDERS,
    ...WEBHOOK_PROVIDERS,
    ...PAYMENT_PROVIDERS,
  ],
  exports: [CommandRunner, CreditsProcessManager, ExpiryScheduler],
})
export class ApiModule {}
