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
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { NewEvent } from '@zan/contracts';
import { createPostgresEventStore, type PostgresEventStore } from '@zan/event-store';

const ROOT = join(__dirname, '..');
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SCHEMA = process.env.BENCH_SCHEMA ?? `bench_cli_${Date.now().toString(36)}`;
const USERS = 9_999;
const EVENTS_PER_TRANSACTION = 50_000;

/** A seeded generator (mulberry32), so every run seeds the same history shape. */
const random = (() => {
  let a = 20_260_101;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
})();
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

/**
 * One transaction's worth of history, in three phases so every credit follows its debit: debits on
 * the payers' wallets, then the red-packet streams (escrow, claims, expiry), then the credits.
 * Events of one stream in a phase are appended together, in one multi-row insert.
 */
class Batch {
  readonly phases = [new Map<string, NewEvent[]>(), new Map<string, NewEvent[]>(), new Map<string, NewEvent[]>()];
  size = 0;

  constructor(private readonly clock: { now: number; step: number }) {}

  add(phase: 0 | 1 | 2, streamId: string, type: string, data: object, userId: string, causationId?: string, version?: number): string {
    const id = randomUUID();
    const events = this.phases[phase].get(streamId) ?? this.phases[phase].set(streamId, []).get(streamId)!;
    events.push({ id, type, ...(version ? { version } : {}), data, metadata: { correlationId: causationId ?? id, causationId: causationId ?? id, userId }, occurredAt: new Date(this.clock.now).toISOString() });
    this.clock.now += this.clock.step;
    this.size++;
    return id;
  }
}

/**
 * Seeds with WRITERS transactions at a time. Each writer has its own users (and red packets), so no
 * two concurrent transactions touch the same stream: no lock waits, no deadlocks.
 */
const WRITERS = 3;

const seed = async (store: PostgresEventStore): Promise<void> => {
  // The events span 30 days, for stats by day.
  const clock = { now: Date.parse('2026-01-01T00:00:00Z'), step: (30 * 86_400_000) / EVENTS };
  let written = 0;
  let packets = 0;
  const started = Date.now();
  const commit = async (batch: Batch) => {
    await store.sql.transaction(async (tx) => {
      for (const phase of batch.phases) for (const [streamId, events] of phase) await store.eventStore.appendWithin(tx, streamId, events, 'any');
    });
    written += batch.size;
    process.stderr.write(`\rseeded ${written.toLocaleString('en-US')} events (${Math.round(written / ((Date.now() - started) / 1000)).toLocaleString('en-US')}/s)   `);
  };

  const writer = async (w: number): Promise<void> => {
    const budget = Math.ceil(EVENTS / WRITERS);
    let mine = 0;
    const users = Array.from({ length: USERS / WRITERS }, (_, i) => `user${i * WRITERS + w}`);
    const authors = users.slice(0, 200);
    const opening = new Batch(clock);
    for (const u of users) {
      const opened = opening.add(0, `wallet-${u}`, 'WalletOpened', { userId: u, kind: 'individual' }, u);
      opening.add(0, `wallet-${u}`, 'BankCardLinked', { userId: u, cardId: `card-${u}`, personal: true }, u, opened);
      opening.add(0, `wallet-${u}`, 'WalletFunded', { userId: u, fundingId: randomUUID(), cardId: `card-${u}`, amount: 5_000_000 }, u, undefined, 1);
    }
    await commit(opening);
    mine += opening.size;
    while (mine < budget) {
      const batch = new Batch(clock);
      const active = Array.from({ length: 300 }, () => pick(users));
      while (batch.size < Math.min(EVENTS_PER_TRANSACTION / WRITERS, budget - mine)) {
        const payer = pick(active);
        const roll = random();
        if (roll < 0.5) {
          const author = pick(authors);
          if (author === payer) continue;
          const tip = { tipId: randomUUID(), readerId: payer, authorId: author, articleId: `article-${between(1, 40)}`, amount: between(500, 5_000) };
          const debit = batch.add(0, `wallet-${payer}`, 'TipPraised', { ...tip, message: '赞' }, payer);
          batch.add(2, `wallet-${author}`, 'TipReceived', tip, payer, debit);
        } else if (roll < 0.8) {
          const payee = pick(active);
          if (payee === payer) continue;
          const transfer = { transferId: randomUUID(), fromUserId: payer, toUserId: payee, amount: between(1, 3_000) };
          const debit = batch.add(0, `wallet-${payer}`, 'FundsTransferred', transfer, payer);
          batch.add(2, `wallet-${payee}`, 'TransferReceived', transfer, payer, debit);
        } else if (roll < 0.9) {
          const redPacketId = `bench${++packets}`;
          const shares = between(2, 8);
          const amount = between(shares * 100, 5_000);
          const sent = { redPacketId, senderId: payer, amount, shares, mode: 'lucky', greeting: '恭喜发财', expiresAt: new Date(clock.now + 86_400_000).toISOString() };
          const debit = batch.add(0, `wallet-${payer}`, 'RedPacketSent', sent, payer);
          const escrow = batch.add(1, `red-packet-${redPacketId}`, 'RedPacketEscrowed', sent, payer, debit);
          const claimers = [...new Set(Array.from({ length: between(1, shares) }, () => pick(active)))].filter((u) => u !== payer);
          let left = amount;
          claimers.forEach((userId, i) => {
            const remainingShares = shares - i - 1;
            // Double mean, as the domain draws: at most twice the mean of what is left.
            const share = remainingShares === 0 ? left : Math.max(1, Math.min(left - remainingShares, between(1, Math.floor((2 * left) / (shares - i)))));
            left -= share;
            const claim = batch.add(1, `red-packet-${redPacketId}`, 'RedPacketClaimed', { redPacketId, senderId: payer, userId, amount: share, remainingAmount: left, remainingShares }, userId, escrow);
            batch.add(2, `wallet-${userId}`, 'RedPacketShareReceived', { redPacketId, senderId: payer, userId, amount: share }, userId, claim);
          });
          if (claimers.length < shares) {
            const expired = batch.add(1, `red-packet-${redPacketId}`, 'RedPacketExpired', { redPacketId, senderId: payer, amount: left, remainingShares: shares - claimers.length }, 'system:expiry', escrow);
            if (left > 0) batch.add(2, `wallet-${payer}`, 'RedPacketRefunded', { redPacketId, senderId: payer, amount: left }, 'system:expiry', expired);
          }
        } else if (roll < 0.95) {
          batch.add(0, `wallet-${payer}`, 'WalletFunded', { userId: payer, fundingId: randomUUID(), cardId: `card-${payer}`, amount: between(1_000, 50_000) }, payer, undefined, 1);
        } else {
          batch.add(0, `wallet-${payer}`, 'WalletWithdrawn', { userId: payer, withdrawalId: randomUUID(), cardId: `card-${payer}`, amount: between(100, 2_000) }, payer);
        }
      }
      await commit(batch);
      mine += batch.size;
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  process.stderr.write('\n');
};

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
  const store = await createPostgresEventStore({ connectionString: DATABASE_URL, schema: SCHEMA, poolSize: WRITERS + 1 });
  const redis = new Redis(REDIS_URL);
  const dir = mkdtempSync(join(tmpdir(), 'zan-bench-'));
  const prefix = `bench:cli:${Date.now().toString(36)}:`;
  try {
    const { rows } = await store.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${SCHEMA}".events`);
    const existing = Number(rows[0].n);
    if (existing < EVENTS) {
      if (existing > 0) throw new Error(`schema ${SCHEMA} holds ${existing} events, fewer than ${EVENTS}: drop it or choose another BENCH_SCHEMA`);
      const started = Date.now();
      await seed(store);
      console.log(`seeded ${EVENTS.toLocaleString('en-US')} events into schema ${SCHEMA} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    const total = Number((await store.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM "${SCHEMA}".events`)).rows[0].n);
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
    const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`\n${total.toLocaleString('en-US')} events in schema ${SCHEMA}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.version}; load average ${load()}\n`);
    for (const [label, argv, events] of runs) {
      const run = await zan(argv, env);
      if (run.code !== 0) throw new Error(`zan ${argv.join(' ')} exited ${run.code}:\n${run.stderr}`);
      const line = `| ${label} | \`zan ${argv.join(' ').replace(dir, '$TMP').replace(prefix, '<prefix>')}\` | ${run.seconds.toFixed(1)} s | ${Math.round(events / run.seconds).toLocaleString('en-US')} | ${run.maxRssMb} MB |`;
      results.push(line);
      console.log(line);
      console.log(`    ${run.stderr.trim().split('\n').pop()}`);
    }
    console.log(`\nload average at the end: ${load()}`);
    console.log(`files: all.ndjson ${(statSync(join(dir, 'all.ndjson')).size / 2 ** 20).toFixed(0)} MiB, all.csv ${(statSync(join(dir, 'all.csv')).size / 2 ** 20).toFixed(0)} MiB`);
    console.log(`launcher: ${process.env.ZAN_CLI_FROM_SOURCE === '1' ? 'TypeScript sources (SWC)' : 'bin/zan.js (dist/ when built and fresh, else sources through SWC)'}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 5000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
    await store.eventStore.close();
    if (process.env.BENCH_KEEP !== '1' && !process.env.BENCH_SCHEMA) {
      const client = new Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${SCHEMA}" CASCADE`);
      await client.end();
    }
  }
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
