/**
 * Scenario 1, the tip storm: readers with funded wallets tip authors (individual wallets with a
 * personal card) through HTTP as fast as the machine answers: a closed loop of CONNECTIONS keep-alive
 * connections, each request with its own Idempotency-Key, a random reader, author, article and amount.
 * Warm-up, then a measured window. Afterwards the system is left to go quiet and money is checked:
 * balances in the read model add up to what was funded, and every tip was credited to its author.
 *
 * Baselines on the same seeded data: the naive @nestjs/cqrs design (bench/naive), and a bare Nest route
 * answering a constant (what Nest on Fastify alone costs on this machine).
 */
import { randomUUID } from 'node:crypto';
import { describeStatuses, runLoad, type LoadResult } from '../lib/load';
import { startNaive } from '../naive/naive-process';
import {
  apiTimeSplit,
  bearer,
  cpuMeter,
  describeCpu,
  eventTotals,
  pgCommits,
  runAlone,
  seedWallets,
  startStack,
  type SeedWallet,
  type Stack,
} from '../lib/stack';
import { serversOf } from '../lib/servers';
import { perSecond, roundMs, scaledMs, spread } from '../lib/stats';
import type { BenchContext, Baseline, Figure, Scenario, ScenarioResult } from '../lib/types';

/** Enough in flight for 3,000 tips/s at about 15 ms each (Little's law), not so many that queues hide. */
const CONNECTIONS = 50;
const READER_FUNDING = 5_000_000;
const TIP_MIN = 500;
const TIP_MAX = 1_000;

export interface TipWorkload {
  readers: string[];
  authors: string[];
  wallets: SeedWallet[];
}

/** Each author's published articles: the storm tips them (a tip names a published article of its author). */
const articlesOf = (authorId: string): string[] => Array.from({ length: 4 }, (_, i) => `${authorId}-a${i}`);

export const tipWorkload = (scale: number): TipWorkload => {
  const run = Date.now().toString(36);
  const readers = Array.from({ length: Math.max(50, Math.round(1_000 * scale)) }, (_, i) => `reader${i}-${run}`);
  const authors = Array.from({ length: Math.max(10, Math.round(100 * scale)) }, (_, i) => `author${i}-${run}`);
  return {
    readers,
    authors,
    wallets: [
      ...readers.map((userId) => ({ userId, funding: READER_FUNDING })),
      ...authors.map((userId) => ({ userId, card: true, articles: articlesOf(userId) })),
    ],
  };
};

export interface TipTally {
  /** 2xx answers and the fen they carried. */
  count: number;
  amount: number;
  /** Non-2xx answers, and the first few of them for the notes. */
  refused: number;
  refusals: string[];
}

/** Tips over HTTP: random reader, author, article and amount, each with its own Idempotency-Key. */
export const tipStorm = (
  url: string,
  workload: TipWorkload,
  window: { durationMs?: number; amount?: number; rate?: number },
  tally: TipTally = { count: 0, amount: 0, refused: 0, refusals: [] },
  connections = CONNECTIONS,
): Promise<LoadResult> => {
  const tokens = new Map(workload.readers.map((reader) => [reader, bearer(reader)]));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
  const keyPrefix = randomUUID();
  let n = 0;
  return runLoad({
    url,
    connections,
    ...window,
    next: () => {
      const reader = pick(workload.readers);
      const amount = TIP_MIN + Math.floor(Math.random() * (TIP_MAX - TIP_MIN + 1));
      const author = pick(workload.authors);
      return {
        method: 'POST',
        path: '/v1/tips',
        headers: { authorization: tokens.get(reader)!, 'idempotency-key': `${keyPrefix}-${++n}` },
        body: JSON.stringify({ authorId: author, articleId: articlesOf(author)[n % 4], amount }),
        tag: amount,
      };
    },
    onResponse: (status, body, tag) => {
      if (status >= 200 && status < 300) {
        tally.count++;
        tally.amount += tag as number;
      } else if (++tally.refused <= 3) tally.refusals.push(`${status} ${body.slice(0, 200)}`);
    },
  });
};

const figuresOf = (load: LoadResult): { tipsPerS: number; p50: number; p99: number; p999: number } => {
  const latency = spread(load.latencies);
  return { tipsPerS: perSecond(load.ok, load.elapsedMs), p50: roundMs(latency.p50), p99: roundMs(latency.p99), p999: roundMs(latency.p999) };
};

const describeLoad = (name: string, load: LoadResult): string => {
  const f = figuresOf(load);
  return `${name}: ${f.tipsPerS} tips/s, p50 ${f.p50} ms, p99 ${f.p99} ms, p99.9 ${f.p999} ms; answers ${describeStatuses(load.byStatus)}; ${load.timeouts} timeouts, ${load.errors} connection errors`;
};

/**
 * Money after a tip storm, once the system is quiet: every answered tip stored (up to `inFlight`
 * requests cut off when the load stopped), each credited exactly once, the read models' balances
 * adding up to the total funded, and authors' earnings equal to the tips sent. Also run by scale-out.
 */
export const tipMoneyChecks = async (
  checks: ScenarioResult['checks'],
  stack: Stack & { funded: number },
  workload: TipWorkload,
  tally: TipTally,
  inFlight: number,
  tag = '',
): Promise<void> => {
  const label = (text: string) => (tag ? `${tag} ${text}` : text);
  const praised = await eventTotals(stack.events, 'TipPraised');
  const received = await eventTotals(stack.events, 'TipReceived');
  checks.push({
    label: label('every answered tip is stored (and nothing else)'),
    ok: praised.count >= tally.count && praised.count - tally.count <= inFlight,
    detail: `${tally.count} tips answered 2xx, ${praised.count} TipPraised stored (at most ${inFlight} cut off in flight)`,
  });
  checks.push({
    label: label('every tip credited exactly once (TipReceived == TipPraised in the event store)'),
    ok: received.count === praised.count && received.amount === praised.amount,
    detail: `${praised.count} tips of ${praised.amount} fen, ${received.count} credits of ${received.amount} fen`,
  });
  let balances = 0;
  for (const { userId } of workload.wallets) balances += (await stack.readModels.wallet(userId))?.balance ?? 0;
  checks.push({
    label: label('conservation: the read-model balances add up to the total funded'),
    ok: balances === stack.funded,
    detail: `balances ${balances} fen, funded ${stack.funded} fen`,
  });
  let earned = 0;
  let earnedTips = 0;
  for (const author of workload.authors) {
    const earnings = await stack.readModels.earnings(author);
    earned += earnings.total;
    earnedTips += earnings.tips;
  }
  checks.push({
    label: label("authors' earnings in the read models == tips sent"),
    ok: earned === praised.amount && earnedTips === praised.count,
    detail: `earnings ${earned} fen over ${earnedTips} tips; sent ${praised.amount} fen over ${praised.count} tips`,
  });
};

export const run: Scenario = async (context: BenchContext): Promise<ScenarioResult> => {
  const { scale, log } = context;
  const { databaseUrl } = serversOf(context);
  const workload = tipWorkload(scale);
  const warmupMs = scaledMs(5_000, scale, 1_000);
  const measuredMs = scaledMs(30_000, scale, 3_000);
  const figures: Figure[] = [];
  const baselines: Baseline[] = [];
  const checks: ScenarioResult['checks'] = [];
  const notes: string[] = [];
  let zanLatency: ScenarioResult['latency'];

  // Zan: api, relay and projector as processes.
  log(`tip-storm: seeding ${workload.readers.length} readers and ${workload.authors.length} authors, starting the stack`);
  const stack = await startStack(context, 'tips', { wallets: workload.wallets });
  let zanTipsPerS = 0;
  try {
    const tally: TipTally = { count: 0, amount: 0, refused: 0, refusals: [] };
    log(`tip-storm: warm-up ${warmupMs} ms, then ${measuredMs} ms measured, ${CONNECTIONS} connections`);
    const warmup = await tipStorm(stack.apiUrl, workload, { durationMs: warmupMs }, tally);
    const split = await apiTimeSplit(stack.apiUrl);
    const commits = await pgCommits(databaseUrl);
    const cpu = cpuMeter(stack.pids());
    const load = await tipStorm(stack.apiUrl, workload, { durationMs: measuredMs }, tally);
    const usage = cpu.stop();
    const loadEnded = performance.now();
    const committed = await commits.stop();
    notes.push(await split.describe());
    notes.push(
      `PostgreSQL commits in the window: ${committed}, ${(committed / Math.max(1, load.ok)).toFixed(1)} per tip answered (database-wide: other work counts)`,
    );
    log(`tip-storm: ${describeLoad('Zan', load)}`);
    const f = figuresOf(load);
    zanTipsPerS = f.tipsPerS;
    zanLatency = { label: 'tip over HTTP (Zan)', p50: f.p50, p99: f.p99, p999: f.p999 };
    figures.push(
      { key: 'tips_per_s', label: 'tips/s sustained through HTTP (2xx only)', value: f.tipsPerS, unit: 'ops/s', better: 'higher', target: 3_000 },
      { key: 'tip_p50_ms', label: 'tip latency p50', value: f.p50, unit: 'ms', better: 'lower' },
      { key: 'tip_p99_ms', label: 'tip latency p99', value: f.p99, unit: 'ms', better: 'lower', target: 50 },
      { key: 'tip_p999_ms', label: 'tip latency p99.9', value: f.p999, unit: 'ms', better: 'lower' },
      { key: 'tip_non2xx', label: 'tips refused (non-2xx answers)', value: load.non2xx, unit: 'count', better: 'lower' },
      { key: 'tip_timeouts', label: 'tips timed out (10 s)', value: load.timeouts, unit: 'count', better: 'lower' },
    );
    notes.push(`Zan ${describeCpu(usage)}`);
    notes.push(`Zan answers in the window: ${describeStatuses(load.byStatus)}; warm-up: ${describeStatuses(warmup.byStatus)}`);
    if (tally.refusals.length > 0)
      notes.push(`Zan refusals, first ones: ${tally.refusals.join(' | ')}; api error log: ${stack.apiErrors().join(' | ') || 'none'}`);
    checks.push({
      label: 'no tip refused or failed (funding covers every tip)',
      ok: tally.refused + load.errors + warmup.errors === 0,
      detail: `${tally.refused} non-2xx, ${load.errors + warmup.errors} connection errors, ${load.timeouts + warmup.timeouts} timeouts`,
    });

    // Money: once quiet, the read models must account for every fen. A backlog drains at its own
    // pace (the credits follow the tips): give it time in proportion, and report it if it never ends.
    log('tip-storm: waiting for the credits, the relay and the projector to catch up');
    const quiet = await stack.quiet(Math.max(180_000, tally.count * 5)).then(
      () => true,
      (error: Error) => {
        checks.push({ label: 'the system went quiet after the load', ok: false, detail: error.message });
        return false;
      },
    );
    if (quiet) {
      notes.push(`after the load, the credits, relay and projector were caught up in ${((performance.now() - loadEnded) / 1000).toFixed(1)} s`);
      // Requests cut off when a run stops may still have been stored: at most one per connection.
      await tipMoneyChecks(checks, stack, workload, tally, 2 * CONNECTIONS + load.timeouts + warmup.timeouts);
    }
  } finally {
    await stack.close();
  }

  // The naive design, same load on the same seeded data, in a schema and a process of its own.
  log('tip-storm: the naive @nestjs/cqrs baseline');
  const naive = await startNaive(context, 'tips', (events) => seedWallets(events, workload.wallets));
  try {
    const tally: TipTally = { count: 0, amount: 0, refused: 0, refusals: [] };
    await tipStorm(naive.url, workload, { durationMs: warmupMs }, tally);
    const commits = await pgCommits(databaseUrl);
    const cpu = cpuMeter({ naive: naive.pid });
    const load = await tipStorm(naive.url, workload, { durationMs: measuredMs }, tally);
    const usage = cpu.stop();
    const committed = await commits.stop();
    notes.push(`naive: PostgreSQL commits in the window: ${committed}, ${(committed / Math.max(1, load.ok)).toFixed(1)} per tip answered`);
    log(`tip-storm: ${describeLoad('naive', load)}`);
    const f = figuresOf(load);
    baselines.push(
      {
        key: 'naive_cqrs',
        label: 'naive @nestjs/cqrs handler (load stream, decide, append)',
        kind: 'naive',
        value: f.tipsPerS,
        unit: 'ops/s',
        compares: 'tips_per_s',
      },
      { key: 'naive_cqrs_p99', label: 'naive @nestjs/cqrs handler, p99', kind: 'naive', value: f.p99, unit: 'ms', compares: 'tip_p99_ms' },
    );
    notes.push(`naive ${describeCpu(usage)}`);
    notes.push(`${describeLoad('naive', load)}${tally.refusals.length > 0 ? `; first refusals: ${tally.refusals.join(' | ')}` : ''}`);
    if (f.tipsPerS > 0) notes.push(`Zan / naive throughput: ${(zanTipsPerS / f.tipsPerS).toFixed(2)}`);
    const stored = await eventTotals(naive.events, 'TipPraised');
    notes.push(`naive stored ${stored.count} TipPraised for ${tally.count} 2xx answers (no idempotency store, no author credit, no relay or projection)`);

    // HTTP alone: the same connections on a route that answers a constant.
    const constant = await runLoad({
      url: naive.url,
      connections: CONNECTIONS,
      durationMs: scaledMs(10_000, scale, 2_000),
      next: () => ({ method: 'POST', path: '/v1/constant', headers: {}, body: '{"authorId":"a","articleId":"b","amount":500}' }),
    });
    const c = spread(constant.latencies);
    baselines.push({
      key: 'http_nest_constant',
      label: 'bare Nest route answering a constant (HTTP floor)',
      kind: 'physical',
      value: perSecond(constant.ok, constant.elapsedMs),
      unit: 'ops/s',
      compares: 'tips_per_s',
    });
    notes.push(
      `bare Nest constant route: ${perSecond(constant.ok, constant.elapsedMs)} req/s, p50 ${roundMs(c.p50)} ms, p99 ${roundMs(c.p99)} ms (load generator in the bench process, on the same cores)`,
    );
  } finally {
    await naive.close();
  }

  return {
    id: 'tip-storm',
    title: 'Tip storm through HTTP',
    setup:
      `${workload.readers.length} readers (funded ${READER_FUNDING} fen each) tipping ${workload.authors.length} authors ${TIP_MIN}-${TIP_MAX} fen, ` +
      `POST /v1/tips with an Idempotency-Key each; autocannon closed loop, ${CONNECTIONS} connections; ${warmupMs / 1000} s warm-up, ` +
      `${measuredMs / 1000} s measured; api, relay and projector as separate processes on PostgreSQL, Kafka and Redis; rate limit off.`,
    figures,
    baselines,
    checks,
    notes,
    latency: zanLatency,
  };
};

runAlone(module, run);
