/**
 * CPU per tip, per process: what a tip costs the machine, measured so that other work on a shared
 * machine hardly distorts it (throughput and latency do not survive five other engineers' tests; CPU
 * time charged to our own processes does).
 *
 *   node --require ./infra/register-ts.js bench/cpu-per-tip.ts          # TIPS=3000 CONNECTIONS=16
 *   CPU_PROF=1 node --require ./infra/register-ts.js bench/cpu-per-tip.ts   # + .cpuprofile per app in bench/results/profiles/
 *
 * The stack of the tip storm (api, relay, projector as processes; bench/lib/stack.ts), a warm-up,
 * then TIPS tips over CONNECTIONS connections; the window closes when the system is quiet again
 * (credits, relay and read models at the head), so the relay's and projector's work for those tips is
 * inside it. Counted per tip: CPU of each app process (/proc/<pid>/stat), of the PostgreSQL backends
 * serving exactly those processes' connections (found by their client ports), PostgreSQL commits and
 * Redis commands by name with their server-side time (INFO commandstats: Redis is shared, so those
 * are machine-wide, like the Kafka broker's CPU, given for reference), and this process's CPU (the load
 * generator). The measuring is bench/lib/cpu-per-process.ts, shared with bench/floor.ts.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { describeLoadAverage, openCpuWindow, ticksOf } from './lib/cpu-per-process';
import { benchEnv, serversOf } from './lib/servers';
import { startStack, sleep } from './lib/stack';
import { perSecond, roundMs, spread } from './lib/stats';
import { tipStorm, tipWorkload, type TipTally } from './scenarios/tip-storm';

const TIPS = Number(process.env.TIPS ?? 3_000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
/**
 * Tips per second over all connections (0: as fast as the api answers). A fixed rate below what the
 * machine can take gives the relay and the projector the same arrivals in every run, so their batch
 * sizes, and their CPU per tip, do not follow how fast the api happened to be.
 */
const RATE = Number(process.env.RATE ?? 0);
/** Seconds of no load measured before the window (0: none): what each app costs per second doing nothing. */
const IDLE_S = Number(process.env.IDLE_S ?? 0);
const PROFILE_DIR = join(__dirname, 'results', 'profiles');

async function main(): Promise<void> {
  const context = { env: benchEnv(), scale: 0.1, log: console.log };
  const servers = serversOf(context);
  const workload = tipWorkload(0.2);
  const env: Record<string, string> = {};
  if (process.env.CPU_PROF) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    env.NODE_OPTIONS = `--require ${join(__dirname, 'lib', 'cpu-profile-preload.js')}`;
    env.CPU_PROF_DIR = PROFILE_DIR;
  }
  const stack = await startStack(context, 'cpu', { wallets: workload.wallets, env });
  const pg = new Client({ connectionString: servers.databaseUrl });
  await pg.connect();
  const redis = new Redis(servers.redisUrl);
  try {
    const tally: TipTally = { count: 0, amount: 0, refused: 0, refusals: [] };
    await tipStorm(stack.apiUrl, workload, { amount: 500 }, tally, CONNECTIONS);
    await stack.quiet(120_000);
    await sleep(500);
    const apps = stack.pids();
    const idle = IDLE_S > 0 ? await idleCpu(apps, IDLE_S) : undefined;
    const window = await openCpuWindow(pg, redis, apps);
    if (process.env.CPU_PROF) for (const pid of Object.values(apps)) process.kill(pid, 'SIGUSR2');
    const loadAverage = describeLoadAverage();
    const load = await tipStorm(stack.apiUrl, workload, { amount: TIPS, ...(RATE > 0 ? { rate: RATE } : {}) }, tally, CONNECTIONS);
    await stack.quiet(300_000);
    const n = load.ok;
    const cpu = await window.close(n);
    const latency = spread(load.latencies);
    const lines: string[] = [
      `${n} tips answered 2xx of ${TIPS} (${load.non2xx} non-2xx) over ${CONNECTIONS} connections; window to quiet ${cpu.seconds.toFixed(1)} s; ${loadAverage} at the start`,
      `through HTTP: ${perSecond(n, load.elapsedMs)} tips/s, p50 ${roundMs(latency.p50)} ms, p99 ${roundMs(latency.p99)} ms`,
      ...cpu.lines,
    ];
    if (idle) lines.push(`idle before the window, ms of CPU per second: ${idle}`);
    if (tally.refusals.length) lines.push(`refusals: ${tally.refusals.join(' | ')}`);
    console.log(lines.join('\n'));
  } finally {
    await pg.end();
    redis.disconnect();
    await stack.close();
  }
}

/** Each app's CPU per second over `seconds` of no load (ticks of 10 ms, so about ±1 ms/s over 10 s). */
const idleCpu = async (apps: Record<string, number>, seconds: number): Promise<string> => {
  const before = Object.entries(apps).map(([app, pid]) => [app, pid, ticksOf(pid)] as const);
  await sleep(seconds * 1000);
  return before.map(([app, pid, ticks]) => `${app} ${(((ticksOf(pid) - ticks) * 10) / seconds).toFixed(1)}`).join(', ');
};

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
