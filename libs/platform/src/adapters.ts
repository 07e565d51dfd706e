import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  DataFolderLock,
  createEmbeddedEventStore,
  createEventStoreDbEventStore,
  createPostgresEventStore,
  type CheckpointStore,
  type EventStore,
  type SqlClient,
} from '@zan/event-store';
import { InProcessEventBus, KafkaEventBus, type EventBus } from '@zan/messaging';
import { MemoryReadModelStore, RedisReadModelStore, type ReadModelStore } from '@zan/read-models';
import type Redis from 'ioredis';
import { RedisWebhookStore, SqlWebhookStore, type WebhookStore } from '@zan/webhooks';
import { HttpVerificationProvider, LocalVerificationProvider, type VerificationProvider } from './kyc/verification-provider';
import { InProcessLeaderElection, type LeaderElection, leaderElectionFor } from './leader-election';
import type { Role, ZanConfig } from './zan.config';

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
  /** Webhook endpoints, queues and delivery logs: beside SQL events, or in Redis (EventStoreDB, or ZAN_WEBHOOKS_STORE=redis). */
  webhooks?: WebhookStore;
}

/** Which adapters a process needs, from the roles it plays. */
export const adaptersFor = (roles: readonly Role[]) => ({
  eventStore: roles.includes('api') || roles.includes('relay') || roles.includes('webhooks'),
  bus: roles.includes('relay') || roles.includes('projector') || roles.includes('webhooks'),
  readModels: roles.includes('api') || roles.includes('projector'),
  leaderElection: roles.includes('api') || roles.includes('relay') || roles.includes('webhooks'),
  /** The api's own records beside the events (idempotency, timers, rate limits, personal data), and its secrets. */
  durableStores: roles.includes('api'),
  /** Webhook endpoints (the api's admin routes) and their queues (the dispatcher). */
  webhooks: roles.includes('api') || roles.includes('webhooks'),
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

const schemaOf = (config: ZanConfig): string => (config.eventStore.kind === 'eventstoredb' ? 'zan' : config.eventStore.schema);

/** Where webhook state lives (ZAN_WEBHOOKS_STORE): auto is the event store's SQL database when it has one, else Redis. */
export const webhookStoreKind = (config: ZanConfig, hasSql: boolean): 'sql' | 'redis' | undefined => {
  const wanted = config.webhooks.store;
  if (wanted === 'sql' || (wanted === 'auto' && hasSql)) return hasSql ? 'sql' : undefined;
  return config.redis ? 'redis' : undefined;
};

/**
 * Where webhook endpoints, queues and logs live: beside SQL events (PostgreSQL or embedded; one
 * process holds the embedded store, so it may cache the endpoints), or in Redis (beside EventStoreDB),
 * on a connection of its own unless one is given. Undefined when neither is there.
 */
export const webhookStoreOf = (config: ZanConfig, sql: SqlClient | undefined, redis?: Redis): WebhookStore | undefined => {
  const kind = webhookStoreKind(config, sql !== undefined);
  if (kind === 'sql') return new SqlWebhookStore(sql!, schemaOf(config), { exclusive: config.eventStore.kind === 'embedded' });
  if (kind === 'redis') return new RedisWebhookStore({ redis: redis ?? config.redis!.url, prefix: config.redis!.prefix });
  return undefined;
};

/** `existing`: open only an event store that exists (readers such as the CLI create and migrate nothing). */
export const createAdapters = async (config: ZanConfig, roles: readonly Role[] = config.roles, options: { existing?: boolean } = {}): Promise<Adapters> => {
  const logger = new Logger('platform');
  const needs = adaptersFor(roles);
  const store = !needs.eventStore
    ? undefined
    : config.eventStore.kind === 'postgres'
      ? await createPostgresEventStore({
          connectionString: config.eventStore.url,
          schema: config.eventStore.schema,
          poolSize: config.eventStore.poolSize,
          queryTimeoutMs: config.eventStore.queryTimeoutMs,
          connectTimeoutMs: config.eventStore.connectTimeoutMs,
          existing: options.existing,
        })
      : config.eventStore.kind === 'embedded'
        ? await createEmbeddedEventStore({
            dataDir: embeddedEventsDir(config.eventStore.dataDir),
            schema: config.eventStore.schema,
            existing: options.existing,
          })
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
          commitIntervalMs: config.kafka.commitIntervalMs,
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
  // Webhook state: in the event store's SQL database (PostgreSQL or embedded), migrated once here, or in Redis.
  const webhooks = needs.webhooks ? webhookStoreOf(config, store?.sql) : undefined;
  if (webhooks && !options.existing) await webhooks.migrate();
  if (needs.webhooks && !webhooks) logger.warn('webhooks need a SQL event store or REDIS_URL (beside EventStoreDB): they are off');
  logger.log(
    `event store: ${config.eventStore.kind}; bus: ${config.kafka ? `kafka ${config.kafka.brokers.join(',')}` : 'in-process'}; read models: ${config.redis ? 'redis' : 'memory'}${webhooks ? `; webhooks: ${webhookStoreKind(config, store?.sql !== undefined)}` : ''}${leaderElection ? `; leader election: ${leaderElection.kind}` : ''}`,
  );
  return { eventStore: store?.eventStore, checkpoints: store?.checkpoints, sql: store?.sql, bus, readModels, leaderElection, webhooks };
};

/** ZAN_KYC_PROVIDER: who verifies wallets (local check digits by default, or an http provider). */
export const verificationProviderOf = (config: Pick<ZanConfig, 'kyc'>): VerificationProvider =>
  config.kyc.provider === 'http' ? new HttpVerificationProvider(config.kyc.url) : new LocalVerificationProvider();
