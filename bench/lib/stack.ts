/**
 * The full deployment under test, as processes: the api, the relay and the projector each in its own
 * Node process (as deployed), on PostgreSQL, Kafka and Redis, in a schema, topic prefix and key prefix
 * of their own that `close()` removes. Also: seeding wallets straight into the event store, tokens,
 * waiting for the system to be quiet, and a CPU meter that says where the time went.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { articleStream, currentVersion, walletStream, type NewEvent } from '@zan/contracts';
import { articleDecider, walletDecider, type WalletCommand, type WalletState } from '@zan/domain';
import { createPostgresEventStore, SqlCheckpointStore, type PostgresEventStore } from '@zan/event-store';
import { RedisReadModelStore } from '@zan/read-models';
import { isolation } from '../../test/support/isolation';
import { type AppProcess, startApp } from '../../test/support/processes';
import { dropIsolated, fullStackEnv } from '../../test/support/stacks';
import { tokenFor, TEST_JWT_SECRET } from '../../test/support/tokens';
import { benchEnv, serversOf } from './servers';
import type { BenchContext, Scenario } from './types';

const ROOT = join(__dirname, '../..');
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Milliseconds since the epoch with sub-millisecond resolution, comparable with an event's occurredAt. */
export const wallClock = () => performance.timeOrigin + performance.now();

export const bearer = (userId: string): string => `Bearer ${tokenFor(userId, TEST_JWT_SECRET, { expiresInS: 6 * 3600 })}`;

/** Waits until `check` answers something truthy; throws with `what` after `timeoutMs`. */
export const waitFor = async <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 50): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
};

export interface SeedWallet {
  userId: string;
  /** Link a personal card (an author must have one to be tipped; a funding needs one). */
  card?: boolean;
  /** Fen funded from that card (at most 5,000,000 per top-up, as the api allows). */
  funding?: number;
  /** Articles this user publishes (a tip names a published article and its author). */
  articles?: string[];
  /** A merchant: a business wallet an admin verified (lists products; no card, no funding). */
  merchant?: boolean;
}

const FUNDING_MAX = 5_000_000;

/**
 * Opens, links and funds wallets by appending the wallet decider's own events straight into the event
 * store, many streams per transaction: seeding 10,000 users over HTTP would take longer than the
 * measurement. The relay publishes them and the projector applies them like any other events.
 * Returns the total funded.
 */
export const seedWallets = async (store: PostgresEventStore, wallets: readonly SeedWallet[]): Promise<number> => {
  let funded = 0;
  const now = new Date().toISOString();
  const streamEvents = (wallet: SeedWallet): NewEvent[] => {
    const { userId } = wallet;
    const commands: WalletCommand[] = [{ type: 'OpenWallet', data: { userId, kind: wallet.merchant ? 'business' : 'individual' } }];
    if (wallet.merchant) commands.push({ type: 'RecordVerification', data: { userId, decision: 'verified', decidedBy: 'admin', reason: 'bench seed' } });
    else if (wallet.card || wallet.funding) {
      // Seeded as verified individuals holding their own card (may be tipped, may withdraw); the hashes stand in for a name and an ID number.
      const nameHash = createHash('sha256').update(`name:${userId}`).digest('hex');
      commands.push(
        {
          type: 'RequestVerification',
          data: {
            userId,
            verificationId: randomUUID(),
            kind: 'individual',
            maskedName: '*',
            nameHash,
            numberHash: createHash('sha256').update(`id:${userId}`).digest('hex'),
          },
        },
        { type: 'RecordVerification', data: { userId, decision: 'verified', decidedBy: 'admin', reason: 'bench seed' } },
        { type: 'LinkBankCard', data: { userId, cardId: `card-${userId}`, holderName: '*', holderNameHash: nameHash } },
      );
    }
    for (let left = wallet.funding ?? 0; left > 0; left -= FUNDING_MAX) {
      commands.push({ type: 'FundWallet', data: { userId, fundingId: randomUUID(), cardId: `card-${userId}`, amount: Math.min(left, FUNDING_MAX) } });
    }
    let state: WalletState = walletDecider.initialState;
    const events: NewEvent[] = [];
    for (const command of commands) {
      for (const event of walletDecider.decide(command, state)) {
        state = walletDecider.evolve(state, event);
        const id = randomUUID();
        events.push({
          id,
          type: event.type,
          version: currentVersion(event.type),
          data: event.data,
          metadata: { correlationId: id, causationId: id, userId },
          occurredAt: now,
        });
      }
    }
    funded += state.balance;
    return events;
  };
  const articleStreams = wallets.flatMap(({ userId, articles = [] }) =>
    articles.map((articleId) => {
      const [event] = articleDecider.decide({ type: 'PublishArticle', data: { articleId, authorId: userId, title: articleId } }, articleDecider.initialState);
      const id = randomUUID();
      const published: NewEvent = {
        id,
        type: event!.type,
        version: currentVersion(event!.type),
        data: event!.data,
        metadata: { correlationId: id, causationId: id, userId },
        occurredAt: now,
      };
      return { streamId: articleStream(articleId), events: [published] };
    }),
  );
  for (let i = 0; i < articleStreams.length; i += 500) {
    const batch = articleStreams.slice(i, i + 500);
    await store.sql.transaction(async (tx) => {
      for (const { streamId, events } of batch) await store.eventStore.appendWithin(tx, streamId, events, 'no_stream');
    });
  }
  for (let i = 0; i < wallets.length; i += 500) {
    const batch = wallets.slice(i, i + 500).map((wallet) => ({ streamId: walletStream(wallet.userId), events: streamEvents(wallet) }));
    await store.sql.transaction(async (tx) => {
      for (const { streamId, events } of batch) await store.eventStore.appendWithin(tx, streamId, events, 'no_stream');
    });
  }
  return funded;
};

/** Counts and sums (`data.amount`) of events of a type in a schema, straight from the events table. */
export const eventTotals = async (store: PostgresEventStore, type: string, streamId?: string): Promise<{ count: number; amount: number }> => {
  const { rows } = await store.sql.query<{ count: string; amount: string }>(
    `SELECT count(*)::text AS count, coalesce(sum((data->>'amount')::bigint), 0)::text AS amount FROM "${store.schema}".events
     WHERE type = $1::text AND ($2::text IS NULL OR stream_id = $2::text)`,
    [type, streamId ?? null],
  );
  return { count: Number(rows[0]!.count), amount: Number(rows[0]!.amount) };
};

export interface Stack {
  env: Record<string, string>;
  apiUrl: string;
  /** The bench's own connection to the stack's event store (seeding, checks). */
  events: PostgresEventStore;
  readModels: RedisReadModelStore;
  api: AppProcess;
  relay: AppProcess;
  /** Undefined while stopped (see stopProjector). */
  projector?: AppProcess;
  stopProjector(): Promise<void>;
  startProjector(): Promise<void>;
  /**
   * Waits until nothing is left to do: the credits process manager has handled every event, the relay
   * has published it, and the read models' watermark covers it (unless `readModels` is false: with
   * the projector stopped). Returns the head position then.
   */
  quiet(timeoutMs: number, options?: { readModels?: boolean }): Promise<bigint>;
  pids(): Record<string, number>;
  /** The first lines the api logged at error level (to explain 5xx answers in the notes). */
  apiErrors(limit?: number): string[];
  close(): Promise<void>;
}

/**
 * Settings of the api under load: no per-user rate limit (0 turns it off), no daily spending limit
 * (0), warn-level logs so request logs do not dominate.
 */
export const BENCH_API_ENV = {
  ZAN_RATE_LIMIT_PER_MINUTE: '0',
  // No spending limit, install-wide or by tier: a bench user spends far more than a person would.
  ZAN_DAILY_SPEND_LIMIT: '0',
  ...Object.fromEntries(
    ['UNVERIFIED', 'INDIVIDUAL', 'BUSINESS'].flatMap((tier) => ['PER_PAYMENT', 'DAILY', 'ANNUAL'].map((limit) => [`ZAN_TIER_${tier}_${limit}`, '0'])),
  ),
  ZAN_LOG_LEVEL: 'warn',
};

/**
 * Starts the stack: creates and migrates the schema, seeds `wallets` (before the apps start, so their
 * caches start cold as after a deploy), then starts api, relay and projector as processes.
 */
export const startStack = async (
  context: BenchContext,
  label: string,
  options: { wallets?: readonly SeedWallet[]; env?: Record<string, string> } = {},
): Promise<Stack & { funded: number }> => {
  const servers = serversOf(context);
  const iso = isolation(`bench${label}`);
  const env: Record<string, string> = {
    ...fullStackEnv(label, iso, servers),
    NODE_ENV: 'production',
    // Production wants the vault's key set (nothing is generated into a data folder); one per stack, shared by its processes.
    ZAN_VAULT_MASTER_KEY: randomBytes(32).toString('hex'),
    ...BENCH_API_ENV,
    ...options.env,
    // The apps run with the flags their start commands give them (package.json, Dockerfile), besides any the probe adds.
    NODE_OPTIONS: [ZAN_NODE_FLAGS, options.env?.NODE_OPTIONS].filter(Boolean).join(' '),
  };
  const events = await createPostgresEventStore({ connectionString: servers.databaseUrl, schema: iso.pgSchema, poolSize: 4, applicationName: 'bench' });
  const readModels = new RedisReadModelStore({ redis: servers.redisUrl, prefix: iso.redisPrefix });
  const checkpoints = new SqlCheckpointStore(events.sql, { schema: iso.pgSchema });
  const started: AppProcess[] = [];
  const cleanup = async () => {
    await Promise.allSettled(started.map((app) => app.kill('SIGTERM')));
    await readModels.close().catch(() => undefined);
    await events.eventStore.close().catch(() => undefined);
    await dropIsolated(env);
  };
  try {
    const funded = options.wallets ? await seedWallets(events, options.wallets) : 0;
    const launch = async (app: 'api' | 'relay' | 'projector', ready: RegExp) => {
      const launched = await startApp(app, env, ready, 90_000);
      started.push(launched);
      return launched;
    };
    // Every launch settles before going on: with Promise.all, an app that failed to start left the
    // others, still starting, out of `started`, and the cleanup never stopped them.
    const launches = await Promise.allSettled([
      launch('api', /listening on http:\/\/127\.0\.0\.1:\d+/),
      launch('relay', /health and metrics on http:/),
      launch('projector', /health and metrics on http:/),
    ]);
    const failed = launches.find((launched) => launched.status === 'rejected');
    if (failed) throw failed.reason;
    const [api, relay, projector] = launches.map((launched) => (launched as PromiseFulfilledResult<AppProcess>).value) as [AppProcess, AppProcess, AppProcess];
    const apiUrl = `http://127.0.0.1:${/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(api.output())![1]}`;
    const stack: Stack & { funded: number } = {
      env,
      apiUrl,
      events,
      readModels,
      api,
      relay,
      projector,
      funded,
      async stopProjector() {
        await stack.projector?.kill('SIGTERM');
        stack.projector = undefined;
      },
      async startProjector() {
        stack.projector = await launch('projector', /health and metrics on http:/);
      },
      async quiet(timeoutMs, options = {}) {
        let last = '';
        try {
          return await waitFor(
            'the credits, the relay and the projector to catch up',
            async () => {
              const head = (await events.eventStore.headPosition()) ?? 0n;
              const credits = (await checkpoints.load('process-manager:credits')) ?? 0n;
              const relayed = (await checkpoints.load(`relay:kafka:${iso.topicPrefix}`)) ?? 0n;
              const watermark = options.readModels === false ? head : await readModels.watermark();
              const again = (await events.eventStore.headPosition()) ?? 0n;
              last = `head ${head}, credits at ${credits}, relay at ${relayed}, read models at ${watermark}`;
              return credits >= head && relayed >= head && watermark >= head && again === head ? head : undefined;
            },
            timeoutMs,
            100,
          );
        } catch (error) {
          throw new Error(`${(error as Error).message} (${last})`);
        }
      },
      pids: () => ({
        api: api.child.pid!,
        relay: relay.child.pid!,
        ...(stack.projector ? { projector: stack.projector.child.pid! } : {}),
      }),
      apiErrors: (limit = 3) =>
        api
          .output()
          .split('\n')
          .filter((line) => /"level":(50|60)|\bERROR\b|Error:/.test(line))
          .slice(0, limit)
          .map((line) => line.slice(0, 600)),
      close: cleanup,
    };
    return stack;
  } catch (error) {
    await cleanup();
    throw error;
  }
};

/** What `npm start` and the image give node: a young generation of 32 MB semi-spaces (bench/README.md, session 11). */
export const ZAN_NODE_FLAGS = '--max-semi-space-size=32';

/** A Node process of the bench's own (the naive app), started from its TypeScript entry point. */
export const startScript = async (
  script: string,
  env: Record<string, string>,
  ready: RegExp,
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; output: () => string; kill(): Promise<void> }> => {
  const child = spawn(process.execPath, ['--require', join(ROOT, 'infra/register-ts.js'), join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitFor(
      `${script} to start`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}:\n${output.slice(-3000)}`);
        return ready.test(output);
      },
      timeoutMs,
    );
  } catch (error) {
    await kill();
    throw error;
  }
  return { child, output: () => output, kill };
};

/**
 * CPU time per process group over a window, in % of one core (200% = both cores of this machine):
 * the named Node processes, and every postgres, redis-server and java (Kafka) process on the machine
 * (those servers are shared: other work on the machine counts too), plus the machine as a whole.
 */
export const cpuMeter = (named: Record<string, number>) => {
  const TICKS = 100; // USER_HZ on Linux
  const ticksOf = (pid: number | string): number => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      return 0;
    }
  };
  /** Ticks per server process by pid: a process that ends in the window must not make its group negative. */
  const servers = (): Map<string, { group: string; ticks: number }> => {
    const found = new Map<string, { group: string; ticks: number }>();
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      let comm = '';
      try {
        comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        continue;
      }
      const group = comm === 'postgres' ? 'postgres' : comm.startsWith('redis-server') ? 'redis' : comm === 'java' ? 'kafka' : undefined;
      if (group) found.set(pid, { group, ticks: ticksOf(pid) });
    }
    return found;
  };
  const machine = () => {
    const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    const numbers = values.map(Number);
    return { busy: numbers.reduce((a, b) => a + b, 0) - numbers[3]! - (numbers[4] ?? 0), all: numbers.reduce((a, b) => a + b, 0) };
  };
  const snapshot = () => ({
    at: performance.now(),
    named: Object.fromEntries(Object.entries({ ...named, bench: process.pid }).map(([name, pid]) => [name, ticksOf(pid)])),
    servers: servers(),
    machine: machine(),
  });
  const first = snapshot();
  return {
    /** % of one core per group since the meter started, and the machine's busy % of all its cores. */
    stop(): Record<string, number> {
      const last = snapshot();
      const seconds = (last.at - first.at) / 1000;
      const percent = (ticks: number) => Math.round((ticks / TICKS / seconds) * 100);
      const result: Record<string, number> = {};
      for (const name of Object.keys(last.named)) result[name] = percent(last.named[name]! - first.named[name]!);
      const groups: Record<string, number> = { postgres: 0, redis: 0, kafka: 0 };
      // Processes that ended in the window are not counted; those that started in it count whole.
      for (const [pid, { group, ticks }] of last.servers) groups[group]! += ticks - (first.servers.get(pid)?.ticks ?? 0);
      for (const [name, ticks] of Object.entries(groups)) result[name] = percent(ticks);
      const all = last.machine.all - first.machine.all;
      result.machine = all > 0 ? Math.round(((last.machine.busy - first.machine.busy) / all) * 100) : 0;
      return result;
    },
  };
};

/** One line for the notes: `api 98%, relay 12%, ... (% of one core); machine busy 97% of 2 cores`. */
export const describeCpu = (cpu: Record<string, number>): string => {
  const { machine, ...groups } = cpu;
  const parts = Object.entries(groups)
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => `${name} ${value}%`);
  return `CPU (% of one core): ${parts.join(', ')}; machine busy ${machine}% of ${availableParallelism()} cores (postgres, redis and kafka are machine-wide)`;
};

type Series = Map<string, number>;

/** The api's /metrics as series name (with labels) -> value. */
const scrape = async (url: string): Promise<Series> => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const series: Series = new Map();
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) ([-0-9.e+]+|NaN)$/i.exec(line);
    if (match) series.set(match[1]!, Number(match[2]));
  }
  return series;
};

/**
 * Where a request's time goes inside the api, from its own latency histograms over a window: mean
 * time per HTTP request, per command (load, decide, append, retries) and per event-store append.
 * Scrape before and after; `describe` gives one line for the notes.
 */
export const apiTimeSplit = async (apiUrl: string) => {
  const before = await scrape(apiUrl).catch(() => new Map() as Series);
  return {
    async describe(): Promise<string> {
      const after = await scrape(apiUrl).catch(() => new Map() as Series);
      const parts: string[] = [];
      const metrics: [string, string][] = [
        ['zan_http_request_duration_seconds', 'HTTP'],
        ['zan_command_duration_seconds', 'command'],
        ['zan_event_store_append_duration_seconds', 'append'],
      ];
      for (const [metric, name] of metrics) {
        for (const [key, count] of after) {
          if (!key.startsWith(`${metric}_count`)) continue;
          const calls = count - (before.get(key) ?? 0);
          if (calls <= 0) continue;
          const sumKey = key.replace('_count', '_sum');
          const seconds = (after.get(sumKey) ?? 0) - (before.get(sumKey) ?? 0);
          const labels =
            /\{(.*)\}/
              .exec(key)?.[1]
              ?.replace(/[a-z_]+="([^"]*)"/g, '$1')
              .replace(/,/g, ' ') ?? '';
          parts.push(`${name} ${labels}: ${((seconds / calls) * 1000).toFixed(1)} ms x ${calls}`);
        }
      }
      const loopLag = after.get('nodejs_eventloop_lag_p99_seconds');
      return `api time split (mean per call over the window, from its /metrics): ${parts.join('; ') || 'no samples'}${loopLag !== undefined ? `; event-loop delay p99 ${(loopLag * 1000).toFixed(1)} ms` : ''}`;
    },
  };
};

/** PostgreSQL transactions committed in the database over a window (machine-wide: other work counts). */
export const pgCommits = async (databaseUrl: string) => {
  const { Client } = await import('pg');
  const read = async (): Promise<number> => {
    const pg = new Client({ connectionString: databaseUrl });
    await pg.connect();
    try {
      const { rows } = await pg.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()');
      return Number(rows[0]!.n);
    } finally {
      await pg.end();
    }
  };
  const first = await read();
  return { stop: async (): Promise<number> => (await read()) - first };
};

/**
 * A tiny entry for development: `node --require ./infra/register-ts.js bench/scenarios/<name>.ts`
 * runs that scenario alone at BENCH_SCALE (default 0.1) and prints its result; exit 1 when a check fails.
 */
export const runAlone = (module: NodeModule, scenario: Scenario): void => {
  if (require.main !== module) return;
  const started = Date.now();
  const log = (line: string) => console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  scenario({ env: benchEnv(), scale: Number(process.env.BENCH_SCALE ?? 0.1), log }).then(
    (result) => {
      console.log(JSON.stringify(result, null, 1));
      process.exit(result.checks.every((check) => check.ok) ? 0 : 1);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
};
