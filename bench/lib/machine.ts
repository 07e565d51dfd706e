import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { Servers } from './servers';

const ROOT = join(__dirname, '..', '..');

export interface Machine {
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
  postgres: string;
  /** The durability the PostgreSQL figures were taken at. */
  postgresSettings: string;
  redis: string;
  kafka: string;
}

export interface Commit {
  sha: string;
  /** Uncommitted changes to tracked files when the run started (others' work in a shared checkout too). */
  dirty: boolean;
}

/** The 1, 5 and 15 minute load averages, to one decimal. */
export const loadAverage = (): number[] => loadavg().map((n) => Math.round(n * 10) / 10);

/** What ran the benchmark. A server that does not answer is reported as such, not guessed. */
export const describeMachine = async (servers: Servers): Promise<Machine> => {
  const [postgres, redis] = await Promise.all([postgresVersion(servers.databaseUrl), redisVersion(servers.redisUrl)]);
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    postgres: postgres.version,
    postgresSettings: postgres.settings,
    redis,
    kafka: kafkaVersion(),
  };
};

const postgresVersion = async (url: string): Promise<{ version: string; settings: string }> => {
  const pg = new Client({ connectionString: url });
  pg.on('error', () => undefined);
  try {
    await pg.connect();
    const { rows } = await pg.query<{ v: string; sc: string; fsync: string }>(
      `SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync`,
    );
    return { version: rows[0]!.v, settings: `synchronous_commit=${rows[0]!.sc}, fsync=${rows[0]!.fsync}` };
  } catch (error) {
    return { version: `unreachable (${String(error)})`, settings: '' };
  } finally {
    await pg.end().catch(() => undefined);
  }
};

const redisVersion = async (url: string): Promise<string> => {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch (error) {
    return `unreachable (${String(error)})`;
  } finally {
    redis.disconnect();
  }
};

/**
 * The broker's version from its command line: infra/kafka/start.sh runs it from a cache folder named
 * after the version (…/.cache/kafka-3.9.2/libs/*). A broker started otherwise reads as unknown.
 */
const kafkaVersion = (): string => {
  const fromCmdline = (pid: string): string | undefined => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('kafka.Kafka')) return undefined;
      return /kafka[-_](?:2\.\d+-)?(\d+\.\d+\.\d+)/.exec(cmdline)?.[1] ?? 'unknown version';
    } catch {
      return undefined;
    }
  };
  const pidFile = join(ROOT, 'infra', 'kafka', '.run', 'kafka.pid');
  if (existsSync(pidFile)) {
    const found = fromCmdline(readFileSync(pidFile, 'utf8').trim());
    if (found) return found;
  }
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const found = fromCmdline(pid);
    if (found) return found;
  }
  return 'unknown (no kafka.Kafka process on this machine)';
};

export const currentCommit = (): Commit => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    return { sha: git('rev-parse', '--short', 'HEAD'), dirty: git('status', '--porcelain', '--untracked-files=no') !== '' };
  } catch {
    return { sha: 'unknown', dirty: false };
  }
};
