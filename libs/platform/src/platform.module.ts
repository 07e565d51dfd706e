import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleDestroy } from '@nestjs/common';
import { CHECKPOINT_STORE, EVENT_STORE, SQL_CLIENT, type SqlClient } from '@zan/event-store';
import { EVENT_BUS } from '@zan/messaging';
import { READ_MODEL_STORE } from '@zan/read-models';
import { IDEMPOTENCY_STORE, RATE_LIMIT_STORE, TIMER_STORE, type TimerStore } from '@zan/stores';
import { WEBHOOK_STORE } from '@zan/webhooks';
import { ADAPTERS, adaptersFor, createAdapters, verificationProviderOf, type Adapters } from './adapters';
import { CLOCK, type Clock, RANDOM, type RandomSource, SharedClock, secureRandom, systemClock } from './clock';
import { DURABLE_STORES, createDurableStores, type DurableStores } from './durable-stores';
import { InProcessLeaderElection, LEADER_ELECTION } from './leader-election';
import { PERSONAL_DATA_VAULT } from './kyc/personal-data-vault';
import { VERIFICATION_PROVIDER } from './kyc/verification-provider';
import { ZAN_SECRETS, ZAN_VAULT_KEYS, loadSecrets, loadVaultKeys, type VaultKeys } from './secrets';
import { ZAN_CONFIG, type Role, type ZanConfig, loadConfig } from './zan.config';

@Injectable()
class AdaptersCloser implements OnApplicationShutdown {
  constructor(@Inject(ADAPTERS) private readonly adapters: Adapters) {}

  // Runs after every module's onModuleDestroy, when the relay, projector and handlers have stopped.
  async onApplicationShutdown(): Promise<void> {
    // The singletons resigned in their onModuleDestroy; closing ends the lock session.
    await this.adapters.leaderElection?.close().catch(() => undefined);
    await Promise.allSettled([this.adapters.bus?.close(), this.adapters.readModels?.close(), this.adapters.webhooks?.close()]);
    await this.adapters.eventStore?.close();
    await this.adapters.sql?.close();
  }
}

@Injectable()
class SharedClockStopper implements OnApplicationShutdown {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  onApplicationShutdown(): void {
    if (this.clock instanceof SharedClock) this.clock.stop();
  }
}

@Injectable()
class DurableStoresCloser implements OnModuleDestroy, OnApplicationShutdown {
  constructor(@Inject(DURABLE_STORES) private readonly stores: DurableStores | null) {}

  // Before any adapter closes (onApplicationShutdown): the records held back are written while the database is open.
  async onModuleDestroy(): Promise<void> {
    await this.stores?.idempotency.flush?.();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stores?.close();
  }
}

export interface PlatformOptions {
  config?: ZanConfig;
  /** The roles this process plays; defaults to the configured ZAN_ROLES. */
  roles?: Role[];
  clock?: Clock;
  random?: RandomSource;
  /** Prebuilt adapters (tests that share one embedded store); closed by their owner. */
  adapters?: Adapters;
}

@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions = {}): DynamicModule {
    const config = options.config ?? loadConfig();
    const needs = adaptersFor(options.roles ?? config.roles);
    const fromStores = <T>(pick: (stores: DurableStores) => T) => ({
      inject: [DURABLE_STORES],
      useFactory: (stores: DurableStores | null) => (stores ? pick(stores) : null),
    });
    return {
      module: PlatformModule,
      providers: [
        { provide: ZAN_CONFIG, useValue: config },
        // One time for every replica: the timer store's clock where there is one (see SharedClock),
        // so a replica whose own clock drifted decides deadlines as the timers and the others do.
        {
          provide: CLOCK,
          inject: [TIMER_STORE],
          useFactory: async (timers: TimerStore | null): Promise<Clock> =>
            options.clock ?? (timers?.now ? await SharedClock.started(() => timers.now!()) : systemClock),
        },
        { provide: RANDOM, useValue: options.random ?? secureRandom },
        { provide: ADAPTERS, useFactory: () => options.adapters ?? createAdapters(config, options.roles ?? config.roles) },
        { provide: EVENT_STORE, useFactory: (a: Adapters) => a.eventStore ?? null, inject: [ADAPTERS] },
        { provide: CHECKPOINT_STORE, useFactory: (a: Adapters) => a.checkpoints ?? null, inject: [ADAPTERS] },
        { provide: SQL_CLIENT, useFactory: (a: Adapters) => a.sql ?? null, inject: [ADAPTERS] },
        { provide: EVENT_BUS, useFactory: (a: Adapters) => a.bus ?? null, inject: [ADAPTERS] },
        { provide: READ_MODEL_STORE, useFactory: (a: Adapters) => a.readModels ?? null, inject: [ADAPTERS] },
        { provide: WEBHOOK_STORE, useFactory: (a: Adapters) => a.webhooks ?? null, inject: [ADAPTERS] },
        // Prebuilt adapters without one (tests sharing an embedded store): one process, it leads.
        { provide: LEADER_ELECTION, useFactory: (a: Adapters) => a.leaderElection ?? new InProcessLeaderElection(), inject: [ADAPTERS] },
        // ZAN_KYC_PROVIDER: who verifies wallets (local check digits by default, or an http provider).
        { provide: VERIFICATION_PROVIDER, useFactory: () => verificationProviderOf(config) },
        // The api's secrets (ZAN_JWT_SECRET, the vault keys; outside production, generated into the data folder).
        { provide: ZAN_SECRETS, useFactory: () => (needs.durableStores ? loadSecrets(config) : null) },
        { provide: ZAN_VAULT_KEYS, useFactory: () => (needs.durableStores ? loadVaultKeys(config) : null) },
        {
          provide: DURABLE_STORES,
          inject: [SQL_CLIENT, ZAN_VAULT_KEYS],
          useFactory: (sql: SqlClient | null, keys: VaultKeys | null) => (needs.durableStores ? createDurableStores(config, sql ?? undefined, keys!) : null),
        },
        { provide: IDEMPOTENCY_STORE, ...fromStores((stores) => stores.idempotency) },
        { provide: TIMER_STORE, ...fromStores((stores) => stores.timers) },
        { provide: RATE_LIMIT_STORE, ...fromStores((stores) => stores.rateLimits) },
        { provide: PERSONAL_DATA_VAULT, ...fromStores((stores) => stores.vault) },
        DurableStoresCloser,
        SharedClockStopper,
        ...(options.adapters ? [] : [AdaptersCloser]),
      ],
      exports: [
        ZAN_CONFIG,
        CLOCK,
        RANDOM,
        ADAPTERS,
        EVENT_STORE,
        CHECKPOINT_STORE,
        SQL_CLIENT,
        EVENT_BUS,
        READ_MODEL_STORE,
        WEBHOOK_STORE,
        LEADER_ELECTION,
        VERIFICATION_PROVIDER,
        ZAN_SECRETS,
        ZAN_VAULT_KEYS,
        IDEMPOTENCY_STORE,
        TIMER_STORE,
        RATE_LIMIT_STORE,
        PERSONAL_DATA_VAULT,
      ],
    };
  }
}
