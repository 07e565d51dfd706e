/**
 * The floor: the minimal tip pipeline of Zan's architecture with no framework at all, measured as
 * bench/cpu-per-tip.ts measures Zan, so that the two compare process by process.
 *
 *   node --require ./infra/register-ts.js bench/floor.ts     # TIPS=4000 CONNECTIONS=32 FLOOR_MODES=single,group
 *   FLOOR_MODES=kept node --require ./infra/register-ts.js bench/floor.ts   # group commit keeping a payments engine's promises (bench/floor/kept.ts)
 *   FLOOR_MODES=kept,kept-nest node --require ./infra/register-ts.js bench/floor.ts   # the same behind NestJS (bench/floor/kept-nest.ts): what the framework costs
 *   FLOOR_MODES=claims,claims-records,claims-operable node --require ./infra/register-ts.js bench/floor.ts   # the hot packet (CLAIMERS=10000)
 *   FLOOR_MODES=orders-operable node --require ./infra/register-ts.js bench/floor.ts   # the flash sale: 10,000 buyers on 100 units
 *   CPU_PROF=1 node --require ./infra/register-ts.js bench/floor.ts   # + bench-<pid>.cpuprofile per process in bench/results/profiles/
 *
 * Three processes, as Zan's api, relay and projector (bench/floor/): a bare node:http server storing
 * a tip's two events in one PostgreSQL transaction with synchronous commit (`single`: one INSERT per
 * tip; `group`: concurrent tips in one INSERT, as Zan group-commits), a relay producing them to Kafka
 * with kafkajs (acks=-1) and saving its position, a projector applying them to Redis with one
 * pipeline per batch. What they leave out (auth, validation, idempotency, balance checks, dedupe) is
 * in each file's header: this is below what a payments engine may do. Mode `kept` puts those back,
 * still without a framework: bench/floor/kept.ts, and the relay's and projector's FLOOR_KEPT.
 *
 * Per mode: a warm-up, then TIPS tips over CONNECTIONS connections through the tip storm's load
 * generator (bench/lib/load.ts); the window closes when the relay and the projector have caught up.
 * Everything is made under names of its own (schema, topic prefix, Redis key prefix) and removed
 * at the end, also when the run fails.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { migrate, PgSqlClient } from '@zan/event-store';
import { isolation } from '../test/support/isolation';
import { dropIsolated } from '../test/support/stacks';
import { describeLoadAverage, openCpuWindow } from './lib/cpu-per-process';
import { describeStatuses, runLoad, type LoadRequest } from './lib/load';
import { benchEnv, serversOf, type Servers } from './lib/servers';
import { bearer, sleep, startScript, waitFor } from './lib/stack';
import { TEST_JWT_SECRET } from '../test/support/tokens';
import { perSecond, roundMs, spread } from './lib/stats';
import * as flashSale from './scenarios/flash-sale';

const TIPS = Number(process.env.TIPS ?? 4_000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 32);
const WARM_UP = 500;
const PROFILE_DIR = join(__dirname, 'results', 'profiles');
type TipMode = 'single' | 'group' | 'kept' | 'kept-nest';
type Mode = TipMode | 'claims' | 'claims-records' | 'claims-operable';
const MODES = (process.env.FLOOR_MODES ?? 'single,group').split(',') as Mode[];
const CLAIMERS = Number(process.env.CLAIMERS ?? 10_000);
/** The claim storm's: 200 connections, one packet of 20,000 fen in 100 shares. */
const CLAIM_CONNECTIONS = 200;
const HOT_SHARES = 100;
const HOT_AMOUNT = 20_000;
/** The tip storm's shape at cpu-per-tip's scale: 200 readers, 20 authors, 500-1,000 fen. */
const readers = Array.from({ length: 200 }, (_, i) => `reader${i}`);
const authors = Array.from({ length: 20 }, (_, i) => `author${i}`);

/** Mode `kept`: each reader's token, and the funds every reader starts with. */
const readerTokens = new Map(readers.map((reader) => [reader, bearer(reader)]));
const FUNDING = 10_000_000;
let keys = 0;

const tips = (url: string, amount: number, kept: boolean) =>
  runLoad({
    url,
    connections: CONNECTIONS,
    amount,
    next: (): LoadRequest => {
      const readerId = readers[randomInt(readers.length)]!;
      const authorId = authors[randomInt(authors.length)]!;
      // The tip storm's request (bench/scenarios/tip-storm.ts) where the floor keeps Zan's promises.
      return kept
        ? {
            method: 'POST',
            path: '/v1/tips',
            headers: { authorization: readerTokens.get(readerId)!, 'idempotency-key': `floor-${++keys}` },
            body: JSON.stringify({ authorId, articleId: `${authorId}-a${keys % 4}`, amount: randomInt(500, 1_001) }),
          }
        : { method: 'POST', path: '/v1/tips', headers: {}, body: JSON.stringify({ readerId, authorId, amount: randomInt(500, 1_001) }) };
    },
  });

/**
 * Mode `kept` keeps its promises, or the run fails: the store holds each reader's funding and two
 * events per tip answered 201, and the read models hold every wallet's balance as the events say, the
 * total funded and no fen more or less (nothing applied twice, nothing skipped).
 */
const keptCheck = async (pg: Client, redis: Redis, iso: ReturnType<typeof isolation>, tipped: number): Promise<string> => {
  const { rows } = await pg.query<{ stream_id: string; balance: string }>(
    `SELECT stream_id, sum(CASE WHEN type = 'TipPraised' THEN -1 ELSE 1 END * (data->>'amount')::bigint)::text AS balance
     FROM "${iso.pgSchema}".events GROUP BY stream_id`,
  );
  const events = Number((await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${iso.pgSchema}".events`)).rows[0]!.n);
  let total = 0;
  const wrong: string[] = [];
  for (const { stream_id: stream, balance } of rows) {
    const projected = Number((await redis.hget(`${iso.redisPrefix}balance:${stream.slice('wallet-'.length)}`, 'available')) ?? 0);
    const stored = Number(balance);
    total += projected;
    if (projected !== stored) wrong.push(`${stream}: ${projected} projected, ${stored} stored`);
  }
  const expected = { events: readers.length + 2 * tipped, total: readers.length * FUNDING };
  if (events !== expected.events || total !== expected.total || wrong.length > 0) {
    throw new Error(
      `the kept floor broke a promise: ${events} events (${expected.events} expected), ${total} fen projected (${expected.total} funded); ${wrong.slice(0, 3).join('; ')}`,
    );
  }
  return `kept: ${events} events stored for ${tipped} tips and ${readers.length} fundings; the read models hold every stream's balance and ${total} fen in all, as funded`;
};

const TIP_MODES: Record<TipMode, string> = {
  single: 'one INSERT (one transaction) per tip',
  group: 'group commit (one INSERT per group of concurrent tips)',
  kept: "group commit keeping a payments engine's promises (token, key and record, validation, balance and revision, credit, dedupe and watermark)",
  'kept-nest': 'the kept floor behind NestJS on Fastify (guard, interceptor, validation pipe, CommandBus and @CommandHandler)',
};

async function runMode(servers: Servers, mode: TipMode): Promise<string[]> {
  const kept = mode === 'kept' || mode === 'kept-nest';
  const iso = isolation(`floor${mode}`);
  const topic = `${iso.topicPrefix}.tip`;
  const env = {
    ZAN_EVENT_STORE: servers.databaseUrl,
    ZAN_PG_SCHEMA: iso.pgSchema,
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    ZAN_TOPIC_PREFIX: iso.topicPrefix,
    REDIS_URL: servers.redisUrl,
    ZAN_REDIS_PREFIX: iso.redisPrefix,
  };
  const processEnv = {
    FLOOR_DATABASE_URL: servers.databaseUrl,
    FLOOR_SCHEMA: iso.pgSchema,
    FLOOR_GROUP: mode === 'group' ? '1' : '0',
    FLOOR_KEPT: kept ? '1' : '0',
    FLOOR_JWT_SECRET: TEST_JWT_SECRET,
    FLOOR_KAFKA_BROKERS: env.KAFKA_BROKERS,
    FLOOR_TOPIC: topic,
    FLOOR_REDIS_URL: servers.redisUrl,
    FLOOR_REDIS_PREFIX: iso.redisPrefix,
    ...(process.env.CPU_PROF && { NODE_OPTIONS: `--require ${join(__dirname, 'lib', 'cpu-profile-preload.js')}`, CPU_PROF_DIR: PROFILE_DIR }),
  };
  if (process.env.CPU_PROF) mkdirSync(PROFILE_DIR, { recursive: true });
  const started: Awaited<ReturnType<typeof startScript>>[] = [];
  const pg = new Client({ connectionString: servers.databaseUrl, application_name: 'zan-floor-bench' });
  const redis = new Redis(servers.redisUrl);
  const admin = new Kafka({ clientId: 'zan-floor-bench', brokers: servers.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
  try {
    await pg.connect();
    const sql = new PgSqlClient({ connectionString: servers.databaseUrl, poolSize: 1, applicationName: 'zan-floor-bench' });
    await migrate(sql, iso.pgSchema).finally(() => sql.close());
    if (kept) {
      await pg.query(
        `CREATE TABLE "${iso.pgSchema}".floor_idempotency (scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, response text, PRIMARY KEY (scope, key))`,
      );
      // Every reader funded once (WalletFunded at revision 0), as the tip storm funds its readers.
      await pg.query(
        `INSERT INTO "${iso.pgSchema}".events (tx_index, id, stream_id, revision, type, version, data, metadata, occurred_at)
         SELECT u.ord::int - 1, gen_random_uuid(), 'wallet-' || u.reader, 0, 'WalletFunded', 1, jsonb_build_object('userId', u.reader, 'amount', $2::bigint), '{}'::jsonb, now()
         FROM unnest($1::text[]) WITH ORDINALITY AS u(reader, ord)`,
        [readers, FUNDING],
      );
    }
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    const launch = async (name: string, ready: RegExp) => {
      const app = await startScript(`bench/floor/${name}.ts`, processEnv, ready);
      started.push(app);
      return app;
    };
    const [http, relay, projector] = await Promise.all([
      launch(kept ? mode : 'http', /listening on http:/),
      launch('relay', /relay running/),
      launch('projector', /projector joined/),
    ]);
    const url = `http://127.0.0.1:${/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(http.output())![1]}`;
    const quiet = () =>
      waitFor(
        'the relay and the projector to catch up',
        async () => {
          const { rows } = await pg.query<{ rows: string; relayed: string }>(
            `SELECT (SELECT count(*) FROM "${iso.pgSchema}".events)::text AS rows,
                    coalesce((SELECT position FROM "${iso.pgSchema}".checkpoints WHERE name = 'floor-relay'), 0)::text AS relayed`,
          );
          const applied = Number((await redis.get(`${iso.redisPrefix}applied`)) ?? 0);
          // Every row relayed (the position is past the newest row's) and applied.
          const head = await pg.query<{ head: string }>(
            `SELECT coalesce(max(transaction_id::text::numeric * 100000 + tx_index), 0)::text AS head FROM "${iso.pgSchema}".events`,
          );
          return BigInt(rows[0]!.relayed) >= BigInt(head.rows[0]!.head) && applied >= Number(rows[0]!.rows);
        },
        Number(process.env.FLOOR_QUIET_MS ?? 300_000),
        100,
      ).catch((error: Error) => {
        // What each process said, when it did not catch up.
        throw new Error(`${error.message}\n${started.map((app) => app.output().slice(-2000)).join('\n')}`);
      });
    const warmUp = await tips(url, WARM_UP, kept);
    if (warmUp.ok !== WARM_UP) throw new Error(`the warm-up answered ${describeStatuses(warmUp.byStatus)}`);
    await quiet();
    await sleep(500);
    const pids = { http: http.child.pid!, relay: relay.child.pid!, projector: projector.child.pid! };
    const window = await openCpuWindow(pg, redis, pids);
    if (process.env.CPU_PROF) for (const pid of Object.values(pids)) process.kill(pid, 'SIGUSR2');
    const loadAverage = describeLoadAverage();
    const load = await tips(url, TIPS, kept);
    await quiet();
    const cpu = await window.close(load.ok);
    const latency = spread(load.latencies);
    const promises = kept ? [await keptCheck(pg, redis, iso, warmUp.ok + load.ok)] : [];
    return [
      `floor, ${TIP_MODES[mode]}:`,
      ...promises,
      `${load.ok} tips answered 2xx of ${TIPS} (${describeStatuses(load.byStatus)}) over ${CONNECTIONS} connections; window to quiet ${cpu.seconds.toFixed(1)} s; ${loadAverage} at the start`,
      `through HTTP: ${perSecond(load.ok, load.elapsedMs)} tips/s, p50 ${roundMs(latency.p50)} ms, p99 ${roundMs(latency.p99)} ms`,
      ...cpu.lines,
    ];
  } finally {
    await Promise.allSettled(started.map((app) => app.kill()));
    await admin.disconnect().catch(() => undefined);
    await pg.end().catch(() => undefined);
    redis.disconnect();
    // The schema, the topics under the prefix and the Redis keys under the prefix.
    await dropIsolated(env);
  }
}

/**
 * The claim floor (bench/floor/claims.ts): the hot packet of the claim storm on a bare node:http
 * server. A warm-up packet claimed by 1,000 claimers of its own, then CLAIMERS distinct claimers
 * (each its own token and Idempotency-Key) on one packet of 100 shares, all queued at once over 200
 * connections: time to drain, and CPU per claim of the server and its PostgreSQL backends.
 */
const CLAIM_MODES = {
  claims: 'refusals from memory, winners group-committed',
  'claims-records': 'every answer with its idempotency record, group-committed',
  'claims-operable': "records, and Zan's security headers, request ids, log store and request metrics on every request",
  'orders-operable': 'the flash sale: orders with their JSON body read as Zan reads it, records, headers, ids, log store and metrics',
} as const;

async function runClaimMode(servers: Servers, mode: keyof typeof CLAIM_MODES): Promise<string[]> {
  const iso = isolation(`floor${mode.replace('-', '')}`);
  const [warm, hot] = [randomUUID(), randomUUID()];
  const orders = mode === 'orders-operable';
  const processEnv = {
    FLOOR_DATABASE_URL: servers.databaseUrl,
    FLOOR_SCHEMA: iso.pgSchema,
    FLOOR_JWT_SECRET: TEST_JWT_SECRET,
    FLOOR_PACKETS: `${warm}:${HOT_AMOUNT}:${HOT_SHARES},${hot}:${HOT_AMOUNT}:${HOT_SHARES}`,
    // The flash sale's product: as many units as the packet has shares, at its price (bench/scenarios/flash-sale.ts).
    FLOOR_PRODUCTS: `${warm}:${HOT_SHARES}:${flashSale.PRICE},${hot}:${HOT_SHARES}:${flashSale.PRICE}`,
    FLOOR_CLAIM_RECORDS: mode === 'claims' ? '0' : '1',
    FLOOR_CLAIM_OPERABLE: mode === 'claims-operable' || orders ? '1' : '0',
    FLOOR_ORDERS: orders ? '1' : '0',
    ...(process.env.CPU_PROF && { NODE_OPTIONS: `--require ${join(__dirname, 'lib', 'cpu-profile-preload.js')}`, CPU_PROF_DIR: PROFILE_DIR }),
  };
  if (process.env.CPU_PROF) mkdirSync(PROFILE_DIR, { recursive: true });
  const run = Date.now().toString(36);
  const crowd = (name: string, n: number) => Array.from({ length: n }, (_, i) => `${name}${i}-${run}`);
  const storm = async (url: string, packet: string, userIds: string[]) => {
    const tokens = userIds.map((userId) => bearer(userId));
    let next = 0;
    return runLoad({
      url,
      connections: CLAIM_CONNECTIONS,
      amount: userIds.length,
      timeoutS: 30,
      next: () =>
        orders
          ? {
              method: 'POST',
              path: '/v1/orders',
              headers: { authorization: tokens[next]!, 'idempotency-key': `${run}-${next++}` },
              body: JSON.stringify({ productId: packet, quantity: 1, expectedPrice: flashSale.PRICE }),
            }
          : {
              method: 'POST',
              path: `/v1/red-packets/${packet}/claims`,
              headers: { authorization: tokens[next]!, 'idempotency-key': `${run}-${next++}` },
            },
    });
  };
  let http: Awaited<ReturnType<typeof startScript>> | undefined;
  const pg = new Client({ connectionString: servers.databaseUrl, application_name: 'zan-floor-bench' });
  const redis = new Redis(servers.redisUrl);
  try {
    await pg.connect();
    const sql = new PgSqlClient({ connectionString: servers.databaseUrl, poolSize: 1, applicationName: 'zan-floor-bench' });
    await migrate(sql, iso.pgSchema).finally(() => sql.close());
    await pg.query(
      `CREATE TABLE "${iso.pgSchema}".floor_idempotency (scope text NOT NULL, key text NOT NULL, request_hash text NOT NULL, response text, PRIMARY KEY (scope, key))`,
    );
    http = await startScript('bench/floor/claims.ts', processEnv, /listening on http:/);
    const url = `http://127.0.0.1:${/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(http.output())![1]}`;
    await storm(url, warm, crowd('warmer', 1_000));
    await sleep(500);
    const window = await openCpuWindow(pg, redis, { http: http.child.pid! });
    if (process.env.CPU_PROF) process.kill(http.child.pid!, 'SIGUSR2');
    const loadAverage = describeLoadAverage();
    const load = await storm(url, hot, crowd('claimer', CLAIMERS));
    const cpu = await window.close(CLAIMERS);
    const stored = await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${iso.pgSchema}".events WHERE stream_id = $1`, [
      orders ? `product-${hot}` : `red-packet-${hot}`,
    ]);
    const latency = spread(load.latencies);
    const exact = load.byStatus[201] === HOT_SHARES && load.byStatus[410] === CLAIMERS - HOT_SHARES && Number(stored.rows[0]!.n) === HOT_SHARES;
    return [
      `${orders ? 'order' : 'claim'} floor, ${CLAIM_MODES[mode]}:`,
      `${CLAIMERS} ${orders ? `orders on one product of ${HOT_SHARES} units` : `claims on one packet of ${HOT_SHARES} shares`} drained in ${(load.elapsedMs / 1000).toFixed(3)} s (${perSecond(CLAIMERS, load.elapsedMs)} ${orders ? 'orders' : 'claims'}/s), ` +
        `p50 ${roundMs(latency.p50)} ms, p99 ${roundMs(latency.p99)} ms; ${describeStatuses(load.byStatus)}; ${stored.rows[0]!.n} stored; ${exact ? 'exact' : 'NOT EXACT'}`,
      `over ${CLAIM_CONNECTIONS} connections; ${loadAverage} at the start`,
      ...cpu.lines.map((line) => line.replace(/per tip/g, orders ? 'per order' : 'per claim')),
    ];
  } finally {
    await http?.kill();
    await pg.end().catch(() => undefined);
    redis.disconnect();
    await dropIsolated({ ZAN_EVENT_STORE: servers.databaseUrl, ZAN_PG_SCHEMA: iso.pgSchema, REDIS_URL: servers.redisUrl, ZAN_REDIS_PREFIX: iso.redisPrefix });
  }
}

async function main(): Promise<void> {
  const servers = serversOf({ env: benchEnv() });
  for (const mode of MODES) {
    const lines = mode in CLAIM_MODES ? await runClaimMode(servers, mode as keyof typeof CLAIM_MODES) : await runMode(servers, mode as TipMode);
    console.log(`${lines.join('\n')}\n`);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
