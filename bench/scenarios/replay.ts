/**
 * Scenario 4, replay: rebuild every read model (balances, author earnings and the leaderboard, red
 * packets, activity feeds) from 1,000,000 stored events (scale 1; 100,000 at scale 0.1) into a fresh
 * Redis prefix, with the code `zan projections rebuild` runs (rebuildFromEventStore, reading through
 * the PostgreSQL adapter), then the same history through the CLI as an operator runs it
 * (`zan events replay -p all -t redis:<prefix>`, a process of its own).
 *
 * Baselines in the same run: raw PostgreSQL reading the same rows page by page (the physical limit of
 * the read side), raw Redis pipelines (bench/baselines/physical.ts), and the rebuild path as it was
 * before (one Lua script per 200 events, each event with its dedupe record and watermark).
 *
 * The history comes from bench/lib/seed.ts. BENCH_SCHEMA=<name> reuses a seeded schema (and keeps
 * it); BENCH_KEEP=1 keeps the one this run seeds. Redis keys it writes are removed at the end.
 * Standalone: `node --require ./infra/register-ts.js bench/scenarios/replay.ts` (BENCH_QUICK=1: 0.1).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { eventCategory, streamCategory, walletBalanceDelta } from '@zan/contracts';
import { RedisReadModelStore, applyOrSkip, rebuildFromEventStore, type Applied } from '@zan/read-models';
import { isolation } from '../../test/support/isolation';
import { asBaseline, redisPipeline } from '../baselines/physical';
import { removeKeys } from '../../test/support/stacks';
import { openSeededSchema, type SeededSchema } from '../lib/seed';
import { serversOf } from '../lib/servers';
import { perSecond, scaledMs } from '../lib/stats';
import type { Baseline, Figure, Scenario, ScenarioResult } from '../lib/types';

const ROOT = join(__dirname, '..', '..');
const FULL_EVENTS = 1_000_000;
const TARGET = 50_000;

export const run: Scenario = async (context): Promise<ScenarioResult> => {
  const { databaseUrl, redisUrl } = serversOf(context);
  const wanted = Math.round(FULL_EVENTS * context.scale);
  const schema = process.env.BENCH_SCHEMA ?? `bench_replay_${Date.now().toString(36)}`;
  const { redisPrefix } = isolation('replay');
  const redis = new Redis(redisUrl);
  const notes: string[] = [];
  const checks: ScenarioResult['checks'] = [];
  let seeded: SeededSchema | undefined;
  try {
    context.log(`history: ${wanted.toLocaleString('en-US')} events in schema ${schema}`);
    seeded = await openSeededSchema({
      databaseUrl,
      schema,
      events: wanted,
      keep: process.env.BENCH_KEEP === '1' || process.env.BENCH_SCHEMA !== undefined,
      progress: throttled(context.log),
    });
    const total = seeded.events;
    notes.push(
      seeded.seededSeconds > 0
        ? `seeded ${total.toLocaleString('en-US')} events in ${seeded.seededSeconds.toFixed(0)} s (${perSecond(total, seeded.seededSeconds * 1000).toLocaleString('en-US')} events/s, multi-row appends)`
        : `reused schema ${schema} (${total.toLocaleString('en-US')} events)`,
    );

    context.log('baseline: raw PostgreSQL read of every row');
    const pgRead = await rawPgRead(databaseUrl, schema, 2000);

    context.log('rebuild (rebuildFromEventStore, as `zan projections rebuild`)');
    const prefix = `${redisPrefix}rebuild:`;
    const rebuild = await measured(redis, () =>
      rebuildFromEventStore({ store: { redis: redisUrl, prefix }, source: seeded!.store.eventStore, retireAfterMs: 0 }),
    );
    const rebuildRate = perSecond(rebuild.value.events, rebuild.ms);
    context.log(`rebuild: ${rebuild.value.events} events in ${(rebuild.ms / 1000).toFixed(1)} s, ${rebuildRate} events/s`);
    checks.push({
      label: 'the rebuild read every event, skipped none',
      ok: rebuild.value.events === total && rebuild.value.skipped === 0,
      detail: `${rebuild.value.events} of ${total}, ${rebuild.value.skipped} skipped`,
    });
    checks.push(...(await verify(seeded, new RedisReadModelStore({ redis, prefix }))));

    context.log('CLI: zan events replay -p all -t redis:<prefix> (a process)');
    const cli = await zanReplay(databaseUrl, schema, redisUrl, `${redisPrefix}cli:`);
    const cliRate = perSecond(total, cli.seconds * 1000);
    checks.push({ label: '`zan events replay` exited 0', ok: cli.code === 0, detail: cli.code === 0 ? cli.summary : cli.stderr.slice(-500) });
    checks.push(await sameKeys(redis, `${prefix}${rebuild.value.generation}:`, `${redisPrefix}cli:`));

    context.log('baseline: the rebuild path before (one script per 200 events, per-event dedupe and watermark)');
    const before = await beforePath(seeded, redisUrl, `${redisPrefix}before:`, total);

    context.log('baseline: raw Redis pipelines');
    const redisRaw = await redisPipeline({ redisUrl, batchSize: 1000, durationMs: scaledMs(5_000, context.scale) });

    const figures: Figure[] = [
      {
        key: 'replay_events_per_s',
        label: 'rebuild of every read model from the event store (rebuildFromEventStore)',
        value: rebuildRate,
        unit: 'events/s',
        better: 'higher',
        target: TARGET,
      },
      { key: 'replay_seconds', label: `rebuild time for ${total.toLocaleString('en-US')} events`, value: round(rebuild.ms / 1000), unit: 's', better: 'lower' },
      {
        key: 'replay_cli_events_per_s',
        label: '`zan events replay -p all -t redis:` (process start included)',
        value: cliRate,
        unit: 'events/s',
        better: 'higher',
        target: TARGET,
      },
    ];
    const baselines: Baseline[] = [
      {
        key: 'pg_read_all',
        label: 'raw PostgreSQL: SELECT every row, pages of 2,000, no projection',
        kind: 'physical',
        value: pgRead.rate,
        unit: 'events/s',
        compares: 'replay_events_per_s',
      },
      asBaseline(redisRaw, 'replay_events_per_s'),
      {
        key: 'rebuild_per_event_scripts',
        label: 'the rebuild path before: applyMany, one Lua script per 200 events',
        kind: 'naive',
        value: before.rate,
        unit: 'events/s',
        compares: 'replay_events_per_s',
      },
    ];
    notes.push(
      `rebuild: ${total.toLocaleString('en-US')} events in ${(rebuild.ms / 1000).toFixed(1)} s; peak RSS of the bench process ${rebuild.peakRssMb} MB; CPU: this process ${rebuild.cpu.node.toFixed(1)} s; Redis, all clients: ${rebuild.cpu.redis.toFixed(1)} s and ${rebuild.commands.toLocaleString('en-US')} commands, scripts' calls included (${(rebuild.commands / total).toFixed(2)} per event)`,
      `CLI replay: ${cli.seconds.toFixed(1)} s wall, process start included; peak RSS ${cli.maxRssMb} MB`,
      `raw PostgreSQL read: ${pgRead.rows.toLocaleString('en-US')} rows in ${(pgRead.ms / 1000).toFixed(1)} s (the adapter's columns, JSON parsed by pg, nothing else)`,
      `before-path baseline: ${before.events.toLocaleString('en-US')} events in ${(before.ms / 1000).toFixed(1)} s`,
      redisRaw.detail,
      "the seeded history appends each stream's events of a transaction together, so a batch touches few keys many times: folding gains more here than on a history whose streams interleave event by event",
    );
    return {
      id: 'replay',
      title: 'Replay: rebuild every read model from the event store',
      setup: `${total.toLocaleString('en-US')} stored events (9,999 wallets, tips, transfers, red packets, fundings, withdrawals over 30 days) in PostgreSQL; rebuilt into a fresh Redis prefix in pages of 2,000, PostgreSQL, Redis and Node on the same machine`,
      figures,
      baselines,
      checks,
      notes,
    };
  } finally {
    await removeKeys(redis, redisPrefix);
    await redis.quit();
    await seeded?.release();
  }
};

/** Raw `pg`: the adapter's query and columns, page after page, rows counted and dropped. */
const rawPgRead = async (databaseUrl: string, schema: string, pageSize: number) => {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const started = performance.now();
    let rows = 0;
    let after = { transactionId: '0', txIndex: -1 };
    for (;;) {
      const page = await client.query<{ transaction_id: string; tx_index: number }>(
        `SELECT e.transaction_id::text AS transaction_id, e.tx_index, e.id::text AS id, e.stream_id, e.revision::text AS revision,
           e.type, e.version, e.data, e.metadata, to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurred_at
         FROM "${schema}".events e
         WHERE (e.transaction_id, e.tx_index) > ($1::text::xid8, $2::int) AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
         ORDER BY e.transaction_id, e.tx_index LIMIT $3::int`,
        [after.transactionId, after.txIndex, pageSize],
      );
      if (page.rows.length === 0) break;
      rows += page.rows.length;
      const last = page.rows[page.rows.length - 1]!;
      after = { transactionId: last.transaction_id, txIndex: last.tx_index };
    }
    const ms = performance.now() - started;
    return { rows, ms, rate: perSecond(rows, ms) };
  } finally {
    await client.end();
  }
};

/** Runs fn while sampling this process's RSS, and counts the CPU this process and Redis spent. */
const measured = async <T>(redis: Redis, fn: () => Promise<T>) => {
  const redisCpu = async () => {
    const info = await redis.info('cpu');
    const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(info)?.[1] ?? 0);
    return field('used_cpu_user') + field('used_cpu_sys');
  };
  const commandCount = async () => Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const cpuBefore = process.cpuUsage();
  const [redisBefore, commandsBefore] = [await redisCpu(), await commandCount()];
  const started = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      value,
      ms,
      peakRssMb: Math.round(peak / 2 ** 20),
      cpu: { node: (cpu.user + cpu.system) / 1e6, redis: (await redisCpu()) - redisBefore },
      // Other clients' commands count too: a figure for a quiet machine.
      commands: (await commandCount()) - commandsBefore,
    };
  } finally {
    clearInterval(sampler);
  }
};

/**
 * What the rebuild holds is checked against the history itself: a sample of wallets' balances summed
 * from their streams, and the top of the author leaderboard summed by PostgreSQL from the tips.
 */
const verify = async (seeded: SeededSchema, store: RedisReadModelStore): Promise<ScenarioResult['checks']> => {
  const checks: ScenarioResult['checks'] = [];
  const head = await seeded.store.eventStore.headPosition();
  checks.push({ label: 'the rebuilt watermark is the head of the event store', ok: (await store.watermark()) === head, detail: `head ${head}` });
  const wallets = Array.from({ length: 25 }, (_, i) => `user${(i * 397) % 9_999}`);
  const wrong: string[] = [];
  for (const userId of wallets) {
    const events = await seeded.store.eventStore.readStream(`wallet-${userId}`);
    const balance = events.reduce((sum, event) => sum + walletBalanceDelta(event), 0);
    const view = await store.wallet(userId);
    if (view?.balance !== balance) wrong.push(`${userId}: ${view?.balance} != ${balance}`);
  }
  checks.push({ label: `${wallets.length} wallets' balances equal the sum of their streams`, ok: wrong.length === 0, detail: wrong.join('; ') || undefined });
  const { rows } = await seeded.store.sql.query<{ author: string; total: string; tips: string }>(
    `SELECT data->>'authorId' AS author, sum((data->>'amount')::bigint)::text AS total, count(*)::text AS tips
     FROM "${seeded.schema}".events WHERE type = 'TipPraised' GROUP BY 1 ORDER BY sum((data->>'amount')::bigint) DESC, 1 LIMIT 10`,
  );
  const top = await store.leaderboard(10);
  const expected = rows.map((r) => ({ authorId: r.author, total: Number(r.total), tips: Number(r.tips) }));
  checks.push({
    label: 'the top 10 of the author leaderboard equal the tips summed by PostgreSQL',
    ok: JSON.stringify(top) === JSON.stringify(expected),
    detail: top[0] ? `first: ${top[0].authorId} ${top[0].total}` : 'empty',
  });
  return checks;
};

/**
 * The CLI replay writes the same logical keys as the rebuild's generation (plus its own record). The
 * rebuild spreads them over its slot groups (`{<tag>}:<key>`, libs/read-models/src/redis/shards.ts),
 * while `zan events replay` writes one key each: the rebuild's side is merged first, hash fields
 * summed and sorted-set members gathered, as the store merges them when it reads.
 */
const sameKeys = async (redis: Redis, rebuilt: string, replayed: string): Promise<ScenarioResult['checks'][number]> => {
  const sample = ['leaderboard:authors', 'wallet:user1', 'wallet:user5000', 'earnings:user3', 'feed:user42', 'red-packet:bench7', 'red-packet-claims:bench7'];
  const differ: string[] = [];
  for (const key of sample) {
    const [a, b] = [await mergedSnapshot(redis, rebuilt, key), await snapshot(redis, replayed + key)];
    if (canonical(a) !== canonical(b)) differ.push(key);
  }
  return {
    label: 'the CLI replay holds the same read models as the rebuild (sampled keys)',
    ok: differ.length === 0,
    detail: differ.length ? `differ: ${differ.join(', ')}` : sample.join(', '),
  };
};

/** A snapshot as text, a hash's fields in one order (merged parts hold them in another). */
const canonical = (value: unknown): string =>
  JSON.stringify(value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value).sort(([x], [y]) => (x < y ? -1 : 1)) : value);

/** A logical key of the rebuilt generation, read from every slot group that holds a part of it. */
const mergedSnapshot = async (redis: Redis, generation: string, key: string): Promise<unknown> => {
  const parts: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${generation}{*}:${key}`, 'COUNT', 1000);
    cursor = next;
    parts.push(...found.filter((found) => found.slice(found.indexOf('}:') + 2) === key));
  } while (cursor !== '0');
  if (parts.length === 0) return 'none';
  const snapshots = await Promise.all(parts.sort().map((part) => snapshot(redis, part)));
  if (snapshots.length === 1) return snapshots[0];
  if (snapshots.every((part) => Array.isArray(part))) {
    const scores = new Map<string, number>();
    for (const part of snapshots as string[][])
      for (let i = 0; i < part.length; i += 2) scores.set(part[i]!, (scores.get(part[i]!) ?? 0) + Number(part[i + 1]));
    // Redis's order: by score, then member bytes.
    const sorted = [...scores].sort(([a, x], [b, y]) => x - y || Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return sorted.flatMap(([member, score]) => [member, String(score)]);
  }
  if (snapshots.every((part) => typeof part === 'object' && !Array.isArray(part))) {
    const sum: Record<string, string> = {};
    for (const part of snapshots as Record<string, string>[])
      for (const [field, n] of Object.entries(part)) sum[field] = field in sum ? String(Number(sum[field]) + Number(n)) : n;
    return sum;
  }
  return snapshots;
};

const snapshot = async (redis: Redis, key: string): Promise<unknown> => {
  const type = await redis.type(key);
  if (type === 'hash') return redis.hgetall(key);
  if (type === 'zset') return redis.zrange(key, 0, -1, 'WITHSCORES');
  return type;
};

/** The rebuild path before this change: applyMany of pages of 1,000, awaited, batch after batch. */
const beforePath = async (seeded: SeededSchema, redisUrl: string, prefix: string, events: number) => {
  const store = new RedisReadModelStore({ redis: redisUrl, prefix });
  try {
    const build = await store.beginRebuild();
    const started = performance.now();
    let applied = 0;
    let after: bigint | undefined;
    let prevPosition = 0n;
    while (applied < events) {
      const page = await seeded.store.eventStore.readAll({ after, maxCount: Math.min(1000, events - applied) });
      if (page.length === 0) break;
      const deliveries = page.map((event): Applied => {
        const delivery = { category: eventCategory(event.type, streamCategory(event.streamId)), event, prevPosition };
        prevPosition = event.position;
        return delivery;
      });
      await applyOrSkip(build, deliveries, () => undefined);
      applied += page.length;
      after = page[page.length - 1]!.position;
    }
    const ms = performance.now() - started;
    await build.abort();
    return { events: applied, ms, rate: perSecond(applied, ms) };
  } finally {
    await store.clear();
    await store.close();
  }
};

interface CliRun {
  seconds: number;
  code: number;
  stderr: string;
  summary: string;
  maxRssMb: number;
}

/** `zan events replay -p all -t redis:<prefix>` through bin/zan.js, timed from spawn to exit. */
const zanReplay = (databaseUrl: string, schema: string, redisUrl: string, prefix: string): Promise<CliRun> =>
  new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(
      '/usr/bin/time',
      ['-f', 'maxrss_kb=%M', process.execPath, join(ROOT, 'bin', 'zan.js'), 'events', 'replay', '-p', 'all', '-t', `redis:${prefix}`],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ZAN_EVENT_STORE: databaseUrl,
          ZAN_PG_SCHEMA: schema,
          REDIS_URL: redisUrl,
          ZAN_REDIS_PREFIX: `${prefix.replace(/cli:$/, '')}live:`,
          ZAN_NO_PROGRESS: '1',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      const rss = /maxrss_kb=(\d+)/.exec(stderr);
      const text = stderr.replace(/maxrss_kb=\d+\n?/, '').trim();
      resolve({
        seconds: (performance.now() - started) / 1000,
        code: code ?? -1,
        stderr: text,
        summary: text.split('\n').pop() ?? '',
        maxRssMb: rss ? Math.round(Number(rss[1]) / 1024) : NaN,
      });
    });
  });

/** At most one progress line every 5 s. */
const throttled = (log: (line: string) => void) => {
  let last = 0;
  return (line: string) => {
    if (Date.now() - last < 5000) return;
    last = Date.now();
    log(line);
  };
};

const round = (n: number) => Math.round(n * 10) / 10;

if (require.main === module) {
  const scale = Number(process.env.BENCH_SCALE ?? (process.env.BENCH_QUICK === '1' ? 0.1 : 1));
  run({ env: {}, scale, log: (line) => console.log(`[replay] ${line}`) })
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((error) => {
      console.error(error);
      process.exit(1);
    });
}
