import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  CHECKPOINT_STORE,
  EVENT_STORE,
  SQL_CLIENT,
  DataFolderLock,
  createEmbeddedEventStore,
  createEventStoreDbEventStore,
  createPostgresEventStore,
  type CheckpointStore,
  type EventStore,
  type SqlClient,
} from '@zan/event-store';
import { EVENT_BUS, InProcessEventBus, KafkaEventBus, type EventBus } from '@zan/messaging';
import { MemoryReadModelStore, READ_MODEL_STORE, RedisReadModelStore, type ReadModelStore } from '@zan/read-models';
import { IDEMPOTENCY_STORE, RATE_LIMIT_STORE, TIMER_STORE } from '@zan/stores';
import { CLOCK, type Clock, RANDOM, type RandomSource, systemClock } from './clock';
import { DURABLE_STORES, createDurableStores, type DurableStores } from './durable-stores';
import { InProcessLeaderElection, LEADER_ELECTION, type LeaderElection, leaderElectionFor } from './leader-election';
import { PERSONAL_DATA_VAULT } from './kyc/personal-data-vault';
import { HttpVerificationProvider, LocalVerificationProvider, VERIFICATION_PROVIDER, type VerificationProvider } from './kyc/verification-provider';
import { ZAN_SECRETS, ZAN_VAULT_KEYS, loadSecrets, loadVaultKeys, type VaultKeys } from './secrets';
import { ZAN_CONFIG, type Role, type ZanConfig, loadConfig } from './zan.config';

/** The adapters this process runs on, chosen from the configuration in this one place. */
export interface Adapters {
  eventStore?: EventStore;
  checkpoints?: CheckpointStore;
  /** The event store's SQL database (PostgreSQL or embedded); undefined on EventStoreDB. */
  sql?: SqlClient;
  bus?: EventBus;
  readModels?: ReadModelStore;
  /** Who runs the singletons (relay, credits process manager, expiry timers) when several instances run. */
  leaderElection?: LeaderElection;
}

/** Which adapters a process needs, from the roles it plays. */
export const adaptersFor = (roles: readonly Role[]) => ({
  eventStore: roles.includes('api') || roles.includes('relay'),
  bus: roles.includes('relay') || roles.includes('projector'),
  readModels: roles.includes('api') || roles.includes('projector'),
  leaderElection: roles.includes('api') || roles.includes('relay'),
  /** The api's own records beside the events (idempotency, timers, rate limits, personal data), and its secrets. */
  durableStores: roles.includes('api'),
});

export const ADAPTERS = Symbol('ADAPTERS');

/** The embedded store's folder; one process holds it (DataFolderLock). */
const embeddedEventsDir = (dataDir: string): string => join(dataDir, 'events');

/**
 * Refuses, with DataFolderInUse, to start beside a process that holds the embedded data folder:
 * a one-line error before anything starts. Opening the store takes the lock itself, so two processes
 * starting at the same instant are kept apart too (the second one fails later, less tidily).
 */
export const assertEventStoreFree = async (config: ZanConfig): Promise<void> => {
  if (config.eventStore.kind === 'embedded' && !config.eventStore.dataDir.includes('://')) {
    await DataFolderLock.assertFree(embeddedEventsDir(config.eventStore.dataDir));
  }
};

/** `existing`: open only an event store that exists (readers such as the CLI create and migrate nothing). */
export const createAdapters = async (config: ZanConfig, roles: readonly Role[] = config.roles, options: { existing?: boolean } = {}): Promise<Adapters> => {
  const logger = new Logger('platform');
  const needs = adaptersFor(roles);
  const store = !needs.eventStore
    ? undefined
    :
    config.eventStore.kind === 'postgres'
      ? await createPostgresEventStore({
          connectionString: config.eventStore.url,
          schema: config.eventStore.schema,
          poolSize: config.eventStore.poolSize,
          existing: options.existing,
        })
      : config.eventStore.kind === 'embedded'
        ? await createEmbeddedEventStore({ dataDir: embeddedEventsDir(config.eventStore.dataDir), schema: config.eventStore.schema, existing: options.existing })
        : { ...(await createEventStoreDbEventStore({ connectionString: config.eventStore.url })), sql: undefined };
  const bus: EventBus | undefined = !needs.bus
    ? undefined
    : config.kafka
    ? new KafkaEventBus({
        brokers: config.kafka.brokers,
        clientId: `zan-${hostname()}-${process.pid}`,
        topicPrefix: config.kafka.topicPrefix,
        partitions: config.kafka.partitions,
        sessionTimeoutMs: config.kafka.sessionTimeoutMs,
        sendTimeoutMs: config.kafka.sendTimeoutMs,
      })
    : new InProcessEventBus({ topicPrefix: config.topicPrefix });
  const readModels: ReadModelStore | undefined = !needs.readModels
    ? undefined
    : config.redis
    ? new RedisReadModelStore({ redis: config.redis.url, prefix: config.redis.prefix, feedLength: config.feedLength })
    : new MemoryReadModelStore({ feedLength: config.feedLength });
  let leaderElection = needs.leaderElection ? leaderElectionFor(config) : undefined;
  if (needs.leaderElection && !leaderElection) {
    logger.warn('no REDIS_URL beside EventStoreDB: nothing shared can elect a leader, so this instance runs the relay and process managers whatever others do');
    leaderElection = new InProcessLeaderElection();
  }
  logger.log(
    `event store: ${config.eventStore.kind}; bus: ${config.kafka ? `kafka ${config.kafka.brokers.join(',')}` : 'in-process'}; read models: ${config.redis ? 'redis' : 'memory'}${leaderElection ? `; leader election: ${leaderElection.kind}` : ''}`,
  );
  return { eventStore: store?.eventStore, checkpoints: store?.checkpoints, sql: store?.sql, bus, readModels, leaderElection };
};

@Injectable()
class AdaptersCloser implements OnApplicationShutdown {
  constructor(@Inject(ADAPTERS) private readonly adapters: Adapters) {}

  // Runs after every module's onModuleDestroy, when the relay, projector and handlers have stopped.
  async onApplicationShutdown(): Promise<void> {
    // The singletons resigned in their onModuleDestroy; closing ends the lock session.
    await this.adapters.leaderElection?.close().catch(() => undefined);
    await Promise.allSettled([this.adapters.bus?.close(), this.adapters.readModels?.close()]);
    await this.adapters.eventStore?.close();
    await this.adapters.sql?.close();
  }
}

@Injectable()
class DurableStoresCloser implements OnApplicationShutdown {
  constructor(@Inject(DURABLE_STORES) private readonly stores: DurableStores | null) {}

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

export const verificationProviderOf = (config: Pick<ZanConfig, 'kyc'>): VerificationProvider =>
  config.kyc.provider === 'http' ? new HttpVerificationProvider(config.kyc.url) : new LocalVerificationProvider();

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
        { provide: CLOCK, useValue: options.clock ?? systemClock },
        { provide: RANDOM, useValue: options.random ?? Math.random },
        { provide: ADAPTERS, useFactory: () => options.adapters ?? createAdapters(config, options.roles ?? config.roles) },
        { provide: EVENT_STORE, useFactory: (a: Adapters) => a.eventStore ?? null, inject: [ADAPTERS] },
        { provide: CHECKPOINT_STORE, useFactory: (a: Adapters) => a.checkpoints ?? null, inject: [ADAPTERS] },
        { provide: SQL_CLIENT, useFactory: (a: Adapters) => a.sql ?? null, inject: [ADAPTERS] },
        { provide: EVENT_BUS, useFactory: (a: Adapters) => a.bus ?? null, inject: [ADAPTERS] },
        { provide: READ_MODEL_STORE, useFactory: (a: Adapters) => a.readModels ?? null, inject: [ADAPTERS] },
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
