/**
 * CLI figures: `zan events export` and `zan events replay` throughput on a large event store.
 * `npm run bench:cli` seeds BENCH_EVENTS (1,000,000) events into a PostgreSQL schema of its own, with
 * big multi-row appends through the adapter (many streams per transaction), then runs the real CLI
 * (bin/zan.js, as an operator would) and times it end to end, process start included.
 *
 * Needs PostgreSQL and Redis as the tests do (DATABASE_URL, REDIS_URL; 127.0.0.1 by default).
 * BENCH_SCHEMA=<name> reuses a seeded schema (seeding 1M events takes a few minutes); BENCH_KEEP=1
 * keeps the schema at the end. Everything else it writes (Redis keys, files) is removed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { removeKeys } from '../test/support/stacks';
import { openSeededSchema } from './lib/seed';

const ROOT = join(__dirname, '..');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SCHEMA = process.env.BENCH_SCHEMA ?? `bench_cli_${Date.now().toString(36)}`;

interface Timed {
  seconds: number;
  code: number;
  stderr: string;
  maxRssMb: number;
}

/** Runs `zan <argv>` as a process (through /usr/bin/time for its peak memory) and times it. */
const zan = (argv: string[], env: Record<string, string>): Promise<Timed> =>
  new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, join(ROOT, 'bin', 'zan.js'), ...argv], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rss = /maxrss_kb=(\d+)/.exec(stderr);
      resolve({ seconds, code: code ?? -1, stderr: stderr.replace(/maxrss_kb=\d+\n?/, ''), maxRssMb: rss ? Math.round(Number(rss[1]) / 1024) : NaN });
    });
  });

const main = async (): Promise<void> => {
  const seeded = await openSeededSchema({
    databaseUrl: DATABASE_URL,
    schema: SCHEMA,
    events: EVENTS,
    keep: process.env.BENCH_KEEP === '1' || process.env.BENCH_SCHEMA !== undefined,
    progress: (line) => process.stderr.write(`\r${line}   `),
  });
  if (seeded.seededSeconds > 0) console.log(`\nseeded ${EVENTS.toLocaleString('en-US')} events into schema ${SCHEMA} in ${seeded.seededSeconds.toFixed(0)} s`);
  const redis = new Redis(REDIS_URL);
  const dir = mkdtempSync(join(tmpdir(), 'zan-bench-'));
  const prefix = `bench:cli:${Date.now().toString(36)}:`;
  try {
    const total = seeded.events;
    const env = { ZAN_EVENT_STORE: DATABASE_URL, ZAN_PG_SCHEMA: SCHEMA, REDIS_URL, ZAN_REDIS_PREFIX: `${prefix}live:`, ZAN_NO_PROGRESS: '1' };
    const runs: [string, string[], number][] = [
      ['export NDJSON to a file', ['events', 'export', '--out', join(dir, 'all.ndjson')], total],
      ['export CSV to a file', ['events', 'export', '--format', 'csv', '--out', join(dir, 'all.csv')], total],
      ['export, filtered (--type TipPraised: scans all)', ['events', 'export', '--type', 'TipPraised', '--out', join(dir, 'tips.ndjson')], total],
      ['replay all projections into Redis', ['events', 'replay', '-p', 'all', '-t', `redis:${prefix}replay:`], total],
      ['replay balances into a file', ['events', 'replay', '-p', 'balances', '-t', `file:${join(dir, 'balances.ndjson')}`], total],
      ['audit the events (every balance, every pair, the equation)', ['audit', '--no-read-models'], total],
      ['stats', ['stats', '--json'], total],
    ];
    const results: string[] = [];
    const load = () =>
      loadavg()
        .map((l) => l.toFixed(1))
        .join(' ');
    console.log(
      `\n${total.toLocaleString('en-US')} events in schema ${SCHEMA}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; load average ${load()}\n`,
    );
    for (const [label, argv, events] of runs) {
      const run = await zan(argv, env);
      if (run.code !== 0) throw new Error(`zan ${argv.join(' ')} exited ${run.code}:\n${run.stderr}`);
      const line = `| ${label} | \`zan ${argv.join(' ').replace(dir, '$TMP').replace(prefix, '<prefix>')}\` | ${run.seconds.toFixed(1)} s | ${Math.round(events / run.seconds).toLocaleString('en-US')} | ${run.maxRssMb} MB |`;
      results.push(line);
      console.log(line);
      console.log(`    ${run.stderr.trim().split('\n').pop()}`);
    }
    console.log(`\nload average at the end: ${load()}`);
    console.log(
      `files: all.ndjson ${(statSync(join(dir, 'all.ndjson')).size / 2 ** 20).toFixed(0)} MiB, all.csv ${(statSync(join(dir, 'all.csv')).size / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log(
      `launcher: ${process.env.ZAN_CLI_FROM_SOURCE === '1' ? 'TypeScript sources (SWC)' : 'bin/zan.js (dist/ when built and fresh, else sources through SWC)'}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await removeKeys(redis, prefix);
    await redis.quit();
    await seeded.release();
  }
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
