import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { DataFolderInUse, DataFolderMissing, SchemaMissing, type CheckpointStore, type EventStore } from '@zan/event-store';
import { RedisReadModelStore, isClusterUrl, openRedis, type RedisClient } from '@zan/read-models';
import { ConfigError, createAdapters, loadConfig, webhookStoreKind, webhookStoreOf, type Adapters, type ZanConfig } from '@zan/platform';
import type { WebhookStore } from '@zan/webhooks';
import { CLI_IO, type CliIo } from './cli-io';
import { BackendUnreachable, CliError, UsageError, isUnreachable } from './exit-codes';

/** How long a backend may take to answer the first time before the CLI gives up (exit 3). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * The backends a command needs, opened on first use from the same settings as the apps
 * (ZAN_EVENT_STORE, ZAN_PG_SCHEMA, ZAN_DATA_DIR, REDIS_URL, ZAN_REDIS_PREFIX, ...), so `zan token`
 * or `zan --help` touch no server. The event store comes from @zan/platform's createAdapters, the
 * one place adapters are chosen; Redis connections fail fast instead of retrying for ever.
 */
@Injectable()
export class Backends implements OnModuleDestroy {
  private loaded?: ZanConfig;
  private adapters?: Promise<Adapters>;
  private readonly redisConnections: RedisClient[] = [];

  constructor(@Inject(CLI_IO) private readonly io: CliIo) {}

  config(): ZanConfig {
    if (!this.loaded) {
      try {
        this.loaded = loadConfig(this.io.env);
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(error.message);
        throw error;
      }
    }
    return this.loaded;
  }

  /** "postgres 127.0.0.1:5432/test, schema zan" and the like, for reports and error messages. */
  describeEventStore(): string {
    const store = this.config().eventStore;
    if (store.kind === 'embedded') return `embedded (${store.dataDir}, schema ${store.schema})`;
    const url = safeUrl(store.url);
    return store.kind === 'postgres' ? `postgres ${url}, schema ${store.schema}` : `eventstoredb ${url}`;
  }

  async eventStore(): Promise<EventStore> {
    const config = this.config();
    // Only the event store: no bus, no read models (those are opened on their own, below).
    this.adapters ??= withTimeout(
      // Read only: a mistyped schema or folder is an error, never a new empty one.
      createAdapters({ ...config, kafka: undefined, redis: undefined }, ['relay'], { existing: true }),
      `the event store (${this.describeEventStore()})`,
    );
    let adapters: Adapters;
    try {
      adapters = await this.adapters;
    } catch (error) {
      // A mistyped ZAN_DATA_DIR or ZAN_PG_SCHEMA is a bad setting: exit 2 (README, "The CLI").
      if (error instanceof DataFolderMissing || error instanceof SchemaMissing) throw new UsageError(error.message);
      if (error instanceof DataFolderInUse) throw new CliError(error.message);
      throw this.unreachable(`the event store (${this.describeEventStore()})`, error);
    }
    if (!adapters.eventStore) throw new CliError('no event store is configured');
    return adapters.eventStore;
  }

  /** The checkpoints stored beside the events (the relay's, the process managers'). */
  async checkpoints(): Promise<CheckpointStore> {
    await this.eventStore();
    const { checkpoints } = await this.adapters!;
    if (!checkpoints) throw new CliError('this event store keeps no checkpoints');
    return checkpoints;
  }

  /** Webhook endpoints, queues and logs, where the apps keep them (beside SQL events, or in Redis). */
  async webhooks(): Promise<WebhookStore> {
    await this.eventStore();
    const config = this.config();
    const sql = (await this.adapters!).sql;
    const redis = webhookStoreKind(config, sql !== undefined) === 'redis' ? await this.redis() : undefined;
    const store = webhookStoreOf(config, sql, redis);
    if (!store) throw new CliError('webhooks need a PostgreSQL or embedded event store, or REDIS_URL');
    return store;
  }

  /** The live read models in Redis (REDIS_URL, ZAN_REDIS_PREFIX). */
  async readModels(): Promise<{ store: RedisReadModelStore; redis: RedisClient; prefix: string }> {
    const config = this.config();
    if (!config.redis) {
      throw new UsageError(
        'REDIS_URL is not set: the live read models are in Redis only when REDIS_URL is set (the embedded mode keeps them in the app process)',
      );
    }
    const redis = isClusterUrl(config.redis.url) ? await this.cluster(config.redis.url) : await this.redis(config.redis.url);
    const store = new RedisReadModelStore({ redis, prefix: config.redis.prefix, feedLength: config.feedLength });
    return { store, redis, prefix: config.redis.prefix };
  }

  /** A connection to Redis (REDIS_URL unless another URL is given), closed when the command ends. */
  async redis(url: string | undefined = this.config().redis?.url): Promise<Redis> {
    if (!url) throw new UsageError('REDIS_URL is not set');
    // No retry before the first connection (unreachable is exit 3 at once); a few once connected.
    let connected = false;
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxRetriesPerRequest: 2,
      retryStrategy: (attempt) => (!connected || attempt > 5 ? null : attempt * 200),
    });
    redis.once('ready', () => (connected = true));
    // Errors reach the command that fails; the first connection error says best why.
    let firstError: unknown;
    redis.on('error', (error) => (firstError ??= error));
    try {
      await redis.connect();
    } catch (error) {
      if (redis.status !== 'end') redis.disconnect();
      throw this.unreachable(`Redis (${safeUrl(url)})`, firstError ?? error);
    }
    this.redisConnections.push(redis);
    return redis;
  }

  /** A Redis Cluster client (a redis+cluster:// REDIS_URL), for the read models; closed when the command ends. */
  private async cluster(url: string): Promise<RedisClient> {
    const cluster = openRedis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    let firstError: unknown;
    cluster.on('error', (error: unknown) => {
      firstError ??= error;
    });
    try {
      await cluster.connect();
    } catch (error) {
      cluster.disconnect();
      throw this.unreachable(`Redis Cluster (${safeUrl(url)})`, firstError ?? error);
    }
    this.redisConnections.push(cluster);
    return cluster;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled(
      this.redisConnections.map(async (redis) => {
        if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
        else redis.disconnect();
      }),
    );
    const adapters = await this.adapters?.catch(() => undefined);
    await adapters?.bus?.close().catch(() => undefined);
    await adapters?.eventStore?.close().catch(() => undefined);
  }

  private unreachable(what: string, error: unknown): Error {
    if (error instanceof CliError) return error;
    if (isUnreachable(error) || error instanceof ConnectTimeout) {
      return new BackendUnreachable(`cannot reach ${what}: ${describeError(error)}`, error);
    }
    return error instanceof Error ? error : new Error(String(error));
  }
}

class ConnectTimeout extends Error {}

const withTimeout = <T>(promise: Promise<T>, what: string): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectTimeout(`no answer from ${what} within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

/** A URL without its password. */
export const safeUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
};

export const describeError = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  const e = error as { code?: unknown; message?: unknown } | null;
  const message = typeof e?.message === 'string' && e.message ? e.message : String(error);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${message} (${e.code})` : message;
};
