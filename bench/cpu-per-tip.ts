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
 * are machine-wide, like the Kafka broker's CPU, given for reference).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import Redis from 'ioredis';
import { benchEnv, serversOf } from './lib/servers';
import { startStack, sleep } from './lib/stack';
import { tipStorm, tipWorkload, type TipTally } from './scenarios/tip-storm';

const TIPS = Number(process.env.TIPS ?? 3_000);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const PROFILE_DIR = join(__dirname, 'results', 'profiles');

const ticksOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};

/** PostgreSQL backend pids serving the TCP connections that `pids` hold to port 5432. */
const backendsOf = async (pg: Client, pids: number[]): Promise<number[]> => {
  const ss = execFileSync('ss', ['-tnpH', 'dport = :5432'], { encoding: 'utf8' });
  const ports = new Set<number>();
  for (const line of ss.split('\n')) {
    const pid = /pid=(\d+)/.exec(line)?.[1];
    const port = /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:5432/.exec(line)?.[1];
    if (pid && port && pids.includes(Number(pid))) ports.add(Number(port));
  }
  const { rows } = await pg.query<{ pid: number; client_port: number }>('SELECT pid, client_port FROM pg_stat_activity WHERE client_port IS NOT NULL');
  return rows.filter((row) => ports.has(row.client_port)).map((row) => row.pid);
};

const commandStats = async (redis: Redis): Promise<Map<string, { calls: number; usec: number }>> => {
  const text = await redis.info('commandstats');
  const stats = new Map<string, { calls: number; usec: number }>();
  for (const match of text.matchAll(/cmdstat_([a-z|_-]+):calls=(\d+),usec=(\d+)/g)) stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  return stats;
};

const javaTicks = (): number => {
  let ticks = 0;
  for (const pid of execFileSync('pgrep', ['-x', 'java'], { encoding: 'utf8' }).split('\n').filter(Boolean)) ticks += ticksOf(Number(pid));
  return ticks;
};

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
    const appPids = Object.values(apps);
    const backends = await backendsOf(pg, appPids);
    const commits = async () =>
      Number((await pg.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n);
    const before = {
      apps: Object.fromEntries(Object.entries(apps).map(([name, pid]) => [name, ticksOf(pid)])),
      backends: backends.reduce((sum, pid) => sum + ticksOf(pid), 0),
      commits: await commits(),
      redis: await commandStats(redis),
      kafka: javaTicks(),
      at: performance.now(),
    };
    if (process.env.CPU_PROF) for (const pid of appPids) process.kill(pid, 'SIGUSR2');
    const load = await tipStorm(stack.apiUrl, workload, { amount: TIPS }, tally, CONNECTIONS);
    await stack.quiet(300_000);
    const backendsAfter = await backendsOf(pg, appPids);
    const after = {
      apps: Object.fromEntries(Object.entries(apps).map(([name, pid]) => [name, ticksOf(pid)])),
      // Backends that appeared in the window count whole (their ticks before were 0).
      backends: backendsAfter.reduce((sum, pid) => sum + ticksOf(pid), 0),
      commits: await commits(),
      redis: await commandStats(redis),
      kafka: javaTicks(),
      at: performance.now(),
    };
    const n = load.ok;
    const ms = (ticks: number) => ((ticks * 10) / n).toFixed(3);
    const lines: string[] = [];
    lines.push(
      `${n} tips answered 2xx of ${TIPS} (${load.non2xx} non-2xx) over ${CONNECTIONS} connections; window to quiet ${((after.at - before.at) / 1000).toFixed(1)} s`,
    );
    let total = 0;
    for (const name of Object.keys(apps)) {
      const ticks = after.apps[name]! - before.apps[name]!;
      total += ticks;
      lines.push(`${name.padEnd(10)} ${ms(ticks)} ms CPU per tip`);
    }
    const pgTicks = after.backends - before.backends;
    total += pgTicks;
    lines.push(
      `${'postgres'.padEnd(10)} ${ms(pgTicks)} ms CPU per tip (the ${backendsAfter.length} backends serving the apps' connections; WAL writer and checkpointer not counted)`,
    );
    lines.push(`apps + their backends: ${ms(total)} ms CPU per tip`);
    lines.push(`postgres commits per tip (database-wide): ${((after.commits - before.commits) / n).toFixed(2)}`);
    const redisParts: string[] = [];
    let redisUsec = 0;
    for (const [name, stat] of after.redis) {
      const calls = stat.calls - (before.redis.get(name)?.calls ?? 0);
      const usec = stat.usec - (before.redis.get(name)?.usec ?? 0);
      if (calls <= 0) continue;
      redisUsec += usec;
      redisParts.push(`${name} ${(calls / n).toFixed(2)} calls, ${(usec / n / 1000).toFixed(3)} ms`);
    }
    lines.push(`redis per tip (server-wide, other work counts): ${(redisUsec / n / 1000).toFixed(3)} ms in commands: ${redisParts.join('; ')}`);
    lines.push(`kafka broker per tip (machine-wide, other work counts): ${ms(after.kafka - before.kafka)} ms`);
    if (tally.refusals.length) lines.push(`refusals: ${tally.refusals.join(' | ')}`);
    console.log(lines.join('\n'));
  } finally {
    await pg.end();
    redis.disconnect();
    await stack.close();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
