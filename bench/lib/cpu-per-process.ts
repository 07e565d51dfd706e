/**
 * CPU per unit of work, per process, over a window: what bench/cpu-per-tip.ts and bench/floor.ts
 * measure. Counted: CPU of each named process (/proc/<pid>/stat), of the PostgreSQL backends serving
 * exactly those processes' connections (found by their client ports), of this process (the load
 * generator runs in it), PostgreSQL commits (database-wide), Redis commands by name with their
 * server-side time (INFO commandstats) and the Kafka broker's CPU (those two are shared servers, so
 * machine-wide: other work counts).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Client } from 'pg';
import type Redis from 'ioredis';

/** utime + stime of a process, in ticks of 10 ms (USER_HZ); 0 when it is gone. */
export const ticksOf = (pid: number): number => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
};

/**
 * Times the process's main thread gave up the CPU of its own accord (`voluntary_ctxt_switches`):
 * each is an event-loop wait that ended with a wakeup, so per tip it counts how often the process
 * woke up to do the work, not how much it did. 0 when the process is gone.
 */
export const wakeupsOf = (pid: number): number => {
  try {
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

/** PostgreSQL backend pids serving the TCP connections that `pids` hold to port 5432. */
export const backendsOf = async (pg: Client, pids: number[]): Promise<number[]> => {
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

export type CommandStats = Map<string, { calls: number; usec: number }>;

export const commandStats = async (redis: Redis): Promise<CommandStats> => {
  const text = await redis.info('commandstats');
  const stats: CommandStats = new Map();
  for (const match of text.matchAll(/cmdstat_([a-z|_-]+):calls=(\d+),usec=(\d+)/g)) stats.set(match[1]!, { calls: Number(match[2]), usec: Number(match[3]) });
  return stats;
};

/** Every java process on the machine: the Kafka broker (and whatever else runs on a JVM here). */
export const javaTicks = (): number => {
  let ticks = 0;
  const pids = (() => {
    try {
      return execFileSync('pgrep', ['-x', 'java'], { encoding: 'utf8' });
    } catch {
      return ''; // pgrep exits 1 when nothing matches
    }
  })();
  for (const pid of pids.split('\n').filter(Boolean)) ticks += ticksOf(Number(pid));
  return ticks;
};

/** The figures of one window, in ms of CPU per unit (a tip), for tables and comparisons. */
export interface CpuPerUnit {
  /** Each named process, then `postgres` (their backends), `redis` (command time), `kafka`, `load` (this process). */
  ms: Record<string, number>;
  /** The named processes and their backends (what is charged to the system under test alone). */
  appsAndBackends: number;
  /** Everything above, Redis and Kafka included. */
  total: number;
  lines: string[];
}

/**
 * Opens a window on the named processes: snapshot now, `close(units)` snapshots again and reports
 * per unit. Backends that appear in the window count whole (their ticks before were 0).
 */
export const openCpuWindow = async (pg: Client, redis: Redis, apps: Record<string, number>) => {
  const appPids = Object.values(apps);
  const commits = async () =>
    Number((await pg.query<{ n: string }>('SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]!.n);
  const snapshot = async (backends: number[]) => ({
    apps: Object.fromEntries(Object.entries(apps).map(([name, pid]) => [name, ticksOf(pid)])),
    wakeups: Object.fromEntries(Object.entries(apps).map(([name, pid]) => [name, wakeupsOf(pid)])),
    backends: backends.reduce((sum, pid) => sum + ticksOf(pid), 0),
    load: ticksOf(process.pid),
    commits: await commits(),
    redis: await commandStats(redis),
    kafka: javaTicks(),
    at: performance.now(),
  });
  const before = await snapshot(await backendsOf(pg, appPids));
  return {
    async close(units: number): Promise<CpuPerUnit & { seconds: number }> {
      const backendsAfter = await backendsOf(pg, appPids);
      const after = await snapshot(backendsAfter);
      const perUnit = (ticks: number) => (ticks * 10) / units;
      const ms: Record<string, number> = {};
      const lines: string[] = [];
      let appsAndBackends = 0;
      for (const name of Object.keys(apps)) {
        ms[name] = perUnit(after.apps[name]! - before.apps[name]!);
        appsAndBackends += ms[name];
        lines.push(`${name.padEnd(10)} ${ms[name].toFixed(3)} ms CPU per tip`);
      }
      ms.postgres = perUnit(after.backends - before.backends);
      appsAndBackends += ms.postgres;
      lines.push(
        `${'postgres'.padEnd(10)} ${ms.postgres.toFixed(3)} ms CPU per tip (the ${backendsAfter.length} backends serving the apps' connections; WAL writer and checkpointer not counted)`,
      );
      lines.push(`apps + their backends: ${appsAndBackends.toFixed(3)} ms CPU per tip`);
      lines.push(
        `wakeups per tip (main thread's voluntary context switches): ${Object.keys(apps)
          .map((name) => `${name} ${((after.wakeups[name]! - before.wakeups[name]!) / units).toFixed(2)}`)
          .join(', ')}`,
      );
      lines.push(`postgres commits per tip (database-wide): ${((after.commits - before.commits) / units).toFixed(2)}`);
      const redisParts: string[] = [];
      let redisUsec = 0;
      for (const [name, stat] of after.redis) {
        const calls = stat.calls - (before.redis.get(name)?.calls ?? 0);
        const usec = stat.usec - (before.redis.get(name)?.usec ?? 0);
        if (calls <= 0) continue;
        redisUsec += usec;
        redisParts.push(`${name} ${(calls / units).toFixed(2)} calls, ${(usec / units / 1000).toFixed(3)} ms`);
      }
      ms.redis = redisUsec / units / 1000;
      lines.push(`redis per tip (server-wide, other work counts): ${ms.redis.toFixed(3)} ms in commands: ${redisParts.join('; ')}`);
      ms.kafka = perUnit(after.kafka - before.kafka);
      lines.push(`kafka broker per tip (machine-wide, other work counts): ${ms.kafka.toFixed(3)} ms`);
      ms.load = perUnit(after.load - before.load);
      lines.push(`load generator (this process: autocannon, and the polls for quiet) per tip: ${ms.load.toFixed(3)} ms`);
      const total = appsAndBackends + ms.redis + ms.kafka + ms.load;
      lines.push(`everything above per tip: ${total.toFixed(3)} ms`);
      return { ms, appsAndBackends, total, lines, seconds: (after.at - before.at) / 1000 };
    },
  };
};

/** `load average 3.12 2.80 2.01` (1, 5, 15 minutes), for the lines of a run on a shared machine. */
export const describeLoadAverage = (): string =>
  `load average ${loadavg()
    .map((value) => value.toFixed(2))
    .join(' ')}`;
