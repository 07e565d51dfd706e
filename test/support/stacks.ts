import type { INestApplication } from '@nestjs/common';
import { rmSync } from 'node:fs';
import { Client as PgClient } from 'pg';
import Redis from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createZanApp } from '../../apps/zan/src/zan.app';
import { type Clock, type RandomSource, loadConfig } from '@zan/platform';
import { isClusterUrl, openRedis, scanAll, unlinkAll } from '@zan/read-models';
import { freshDataDir } from './data-dirs';
import { type Isolation, isolation, testServers } from './isolation';
import { TEST_JWT_SECRET } from './tokens';

/**
 * How long a read with ?after= waits for the read models: generous, because CI machines are slower
 * and busier than a laptop. A spec of the 503 answer sets its own, shorter one.
 */
const READ_WAIT_MS = '15000';

export interface RunningZan {
  app: INestApplication;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The zero-setup default: embedded event store in a temp folder, in-process bus, memory read models. */
export const startEmbeddedZan = async (
  options: { clock?: Clock; random?: RandomSource; dataDir?: string; env?: Record<string, string> } = {},
): Promise<RunningZan & { dataDir: string }> => {
  const dataDir = options.dataDir ?? (await freshDataDir());
  const env = { NODE_ENV: 'test', ZAN_DATA_DIR: dataDir, ZAN_JWT_SECRET: TEST_JWT_SECRET, ZAN_READ_WAIT_MS: READ_WAIT_MS, ...options.env };
  const app = await createZanApp({ config: loadConfig(env), clock: options.clock, random: options.random, logger: ['error', 'fatal'] });
  await app.init();
  return {
    app,
    env,
    dataDir,
    close: async () => {
      await app.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/** Settings of a full-stack deployment isolated for one spec: its own schema, topics and keys. */
export const fullStackEnv = (
  label: string,
  iso: Isolation = isolation(label),
  servers: ReturnType<typeof testServers> = testServers(),
): Record<string, string> => {
  return {
    NODE_ENV: 'test',
    ZAN_JWT_SECRET: TEST_JWT_SECRET,
    ZAN_EVENT_STORE: servers.databaseUrl,
    ZAN_PG_SCHEMA: iso.pgSchema,
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    ZAN_TOPIC_PREFIX: iso.topicPrefix,
    REDIS_URL: servers.redisUrl,
    ZAN_REDIS_PREFIX: iso.redisPrefix,
    ZAN_READ_WAIT_MS: READ_WAIT_MS,
  };
};

/** Full stack in this process (api + relay + projector as three Nest apps on PostgreSQL, Kafka, Redis). */
export const startFullStackInProcess = async (
  label: string,
  options: { clock?: Clock; random?: RandomSource; kafkaBrokers?: string; env?: Record<string, string> } = {},
) => {
  const env: Record<string, string> = { ...fullStackEnv(label), ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers } : {}), ...options.env };
  const config = loadConfig(env);
  const quiet = { logger: ['error', 'fatal'] as ('error' | 'fatal')[] };
  const api = await createZanApp({ config, roles: ['api'], clock: options.clock, random: options.random, ...quiet });
  await api.init();
  const relay = await createZanApp({ config, roles: ['relay'], ...quiet });
  await relay.init();
  const projector = await createZanApp({ config, roles: ['projector'], ...quiet });
  await projector.init();
  return {
    app: api,
    relay,
    projector,
    env,
    close: async () => {
      await Promise.allSettled([projector.close(), relay.close()]);
      await api.close();
      await dropIsolated(env);
    },
  };
};

/** Removes what a full-stack spec left behind: its schema, its Redis keys and its Kafka topics. */
export const dropIsolated = async (env: Record<string, string>): Promise<void> => {
  if (env.KAFKA_BROKERS && env.ZAN_TOPIC_PREFIX) {
    const admin = new Kafka({ brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`${env.ZAN_TOPIC_PREFIX}.`));
      if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    } catch {
      // A broker that is gone (a fault test stopped it) leaves nothing to clean.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  const pg = new PgClient({ connectionString: env.ZAN_EVENT_STORE });
  await pg.connect();
  await pg.query(`DROP SCHEMA IF EXISTS "${env.ZAN_PG_SCHEMA}" CASCADE`);
  await pg.end();
  if (isClusterUrl(env.REDIS_URL!)) {
    const cluster = openRedis(env.REDIS_URL!);
    await scanAll(cluster, `${env.ZAN_REDIS_PREFIX!}*`, 5000, (keys) => unlinkAll(cluster, keys));
    await cluster.quit();
    return;
  }
  const redis = new Redis(env.REDIS_URL!);
  await removeKeys(redis, env.ZAN_REDIS_PREFIX!);
  await redis.quit();
};

/** Removes every Redis key under `prefix`, a page of SCAN at a time (UNLINK: freed in the background). */
/** dropIsolated for a spec that made its own `isolation(...)` on the test servers (no env of its own). */
export const dropIsolation = (iso: Pick<Isolation, 'pgSchema' | 'redisPrefix' | 'topicPrefix'>): Promise<void> => {
  const { databaseUrl, redisUrl, kafkaBrokers } = testServers();
  return dropIsolated({
    KAFKA_BROKERS: kafkaBrokers.join(','),
    ZAN_TOPIC_PREFIX: iso.topicPrefix,
    ZAN_EVENT_STORE: databaseUrl,
    ZAN_PG_SCHEMA: iso.pgSchema,
    REDIS_URL: redisUrl,
    ZAN_REDIS_PREFIX: iso.redisPrefix,
  });
};

export const removeKeys = async (redis: Redis, prefix: string): Promise<void> => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
};
