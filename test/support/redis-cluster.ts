import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The local Redis Cluster of infra/redis-cluster (three primaries, three replicas), for the failover specs. */
const INFRA = join(__dirname, '../../infra/redis-cluster');
export const CLUSTER_PORTS = ['7000', '7001', '7002', '7003', '7004', '7005'];
export const CLUSTER_URL = `redis+cluster://${CLUSTER_PORTS.slice(0, 3)
  .map((port) => `127.0.0.1:${port}`)
  .join(',')}`;

/** Runs infra/redis-cluster's start.sh (idempotent: a cluster that answers is reused) or stop.sh; its output. */
export const clusterScript = (script: 'start.sh' | 'stop.sh'): string =>
  execFileSync('bash', [join(INFRA, script)], { stdio: 'pipe', timeout: 120_000 }).toString();

export const redisCli = (port: string | number, ...args: string[]): string =>
  execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });

/** A node that answers: the one asked about the cluster (any node may be the one killed). */
const anyNode = (): string => {
  for (const port of CLUSTER_PORTS) {
    try {
      if (redisCli(port, 'ping').trim() === 'PONG') return port;
    } catch {
      // down: ask the next
    }
  }
  throw new Error('no node of the cluster answers');
};

/** The port of the primary serving the slot of a hash tag (the read models' control slot: the watermark). */
export const primaryOf = (tag: string): number => {
  const seed = anyNode();
  const slot = Number(redisCli(seed, 'cluster', 'keyslot', tag).trim());
  for (const line of redisCli(seed, 'cluster', 'nodes').trim().split('\n')) {
    const [, address, flags, , , , , state, ...ranges] = line.split(' ');
    if (!flags!.includes('master') || flags!.includes('fail') || state !== 'connected') continue;
    const served = ranges.some((range) => {
      const [low, high] = range.split('-').map(Number);
      return slot >= low! && slot <= (high ?? low)!;
    });
    if (served) return Number(address!.split(':')[1]!.split('@')[0]);
  }
  throw new Error(`no primary serves slot ${slot}`);
};

/** SIGKILLs the node on `port`, by the pid file start.sh keeps for it. */
export const killNode = (port: string | number): void => {
  process.kill(Number(readFileSync(join(INFRA, '.run', String(port), 'redis.pid'), 'utf8')), 'SIGKILL');
};

/** The port of the first replica a primary reports online (INFO replication), if any. */
export const replicaOf = (port: string | number): number | undefined => {
  const line = redisCli(port, 'info', 'replication')
    .split('\n')
    .find((l) => l.startsWith('slave0:') && l.includes('state=online'));
  const found = line && /port=(\d+)/.exec(line);
  return found ? Number(found[1]) : undefined;
};
