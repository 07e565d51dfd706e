import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import { streamCategory } from '@zan/contracts';
import { createPostgresEventStore, type EventStore, type PostgresEventStore } from '@zan/event-store';
import { RedisReadModelStore } from '@zan/read-models';
import { runCli } from '../../apps/cli/src/core/cli';
import type { HistoryBuilder } from '../../apps/cli/src/testing/history';
import { isolation, testServers, type Isolation } from '../support/isolation';
import { TEST_JWT_SECRET } from '../support/tokens';

const ROOT = join(__dirname, '../..');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A deployment of its own for one spec: a PostgreSQL schema and a Redis prefix. */
export const cliStack = (label: string) => {
  const iso: Isolation = isolation(label);
  const servers = testServers();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    ZAN_JWT_SECRET: TEST_JWT_SECRET,
    ZAN_EVENT_STORE: servers.databaseUrl,
    ZAN_PG_SCHEMA: iso.pgSchema,
    REDIS_URL: servers.redisUrl,
    ZAN_REDIS_PREFIX: iso.redisPrefix,
    ZAN_NO_PROGRESS: '1',
  };
  let pg: PostgresEventStore | undefined;
  const redis = new Redis(servers.redisUrl, { lazyConnect: true });
  return {
    iso,
    env,
    redis,
    async eventStore(): Promise<EventStore> {
      pg ??= await createPostgresEventStore({ connectionString: servers.databaseUrl, schema: iso.pgSchema, poolSize: 4 });
      return pg.eventStore;
    },
    /**
     * Appends a history and waits until readers see all of it: readers only see transactions older
     * than every one in flight in the database, and other suites may hold one open for a while.
     */
    async append(history: HistoryBuilder): Promise<bigint> {
      const store = await this.eventStore();
      const last = await history.appendTo(store);
      await waitFor(async () => ((await store.headPosition()) ?? 0n) >= last, 'the appended events to be visible', 30_000);
      return last;
    },
    /** Runs `zan <argv>` in this process, as the binary would; an env value of undefined unsets it. */
    zan: (argv: string[], options: { env?: Record<string, string | undefined>; signal?: AbortSignal; cwd?: string } = {}): Promise<CliRun> =>
      runZan(argv, withEnv(env, options.env), options),
    /** Drops the schema and every key under the spec's prefix. */
    async dispose(): Promise<void> {
      await pg?.eventStore.close();
      const client = new PgClient({ connectionString: servers.databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${iso.pgSchema}" CASCADE`);
      await client.end();
      await deleteKeys(redis, iso.redisPrefix);
      await redis.quit();
    },
  };
};

export type CliStack = ReturnType<typeof cliStack>;

const withEnv = (base: Record<string, string>, changes: Record<string, string | undefined> = {}): Record<string, string> => {
  const env = { ...base };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
};

export const runZan = async (argv: string[], env: Record<string, string>, options: { signal?: AbortSignal; cwd?: string } = {}): Promise<CliRun> => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await runCli(argv, { stdout, stderr, env, signal: options.signal, cwd: options.cwd });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
};

/** `zan <argv>` as a real process, through bin/zan.js (from the TypeScript sources unless built). */
export const spawnZan = (argv: string[], env: Record<string, string>) => {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'zan.js'), ...argv], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise<CliRun>((resolve) => child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr })));
  return { child, exit, output: () => ({ stdout, stderr }) };
};

/**
 * Applies every stored event to the live read models as the relay and projector would (category
 * of each event, prevPosition chain), so specs have live read models without Kafka.
 */
export const projectLive = async (store: EventStore, env: Record<string, string>): Promise<RedisReadModelStore> => {
  const models = new RedisReadModelStore({ redis: env.REDIS_URL, prefix: env.ZAN_REDIS_PREFIX });
  let prevPosition = await models.watermark();
  for (;;) {
    const page = await store.readAll({ after: prevPosition === 0n ? undefined : prevPosition, maxCount: 500 });
    if (page.length === 0) return models;
    await models.applyMany!(
      page.map((event) => {
        const delivery = { category: streamCategory(event.streamId), event, prevPosition };
        prevPosition = event.position;
        return delivery;
      }),
    );
  }
};

/** Every key under a prefix as sorted lines `<key> <type> <content>`, the prefix cut off. */
export const dumpRedis = async (redis: Redis, prefix: string, skip: (key: string) => boolean = () => false): Promise<Record<string, unknown>> => {
  const dump: Record<string, unknown> = {};
  for (const key of (await scanAll(redis, prefix)).sort()) {
    const logical = key.slice(prefix.length);
    if (skip(logical)) continue;
    const type = await redis.type(key);
    if (type === 'hash') dump[logical] = { hash: sortKeys(await redis.hgetall(key)) };
    else if (type === 'zset') {
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
      const zset: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) zset.push([flat[i], Number(flat[i + 1])]);
      dump[logical] = { zset };
    } else dump[logical] = { [type]: await redis.get(key) };
  }
  return dump;
};

const sortKeys = (hash: Record<string, string>) => Object.fromEntries(Object.entries(hash).sort(([a], [b]) => (a < b ? -1 : 1)));

const scanAll = async (redis: Redis, prefix: string): Promise<string[]> => {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
};

export const deleteKeys = async (redis: Redis, prefix: string): Promise<void> => {
  const keys = await scanAll(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
};

/** Polls until `check` is true, or fails after `timeoutMs`. */
export const waitFor = async (check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

/** A stack trace line, which no user-facing error output may hold without --verbose. */
export const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$/m;
