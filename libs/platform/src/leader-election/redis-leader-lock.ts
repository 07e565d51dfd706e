import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type Redis from 'ioredis';
import { openRedis } from '@zan/read-models';
import type { LeaderLock } from './leader-election';

export interface RedisLeaderLockOptions {
  url: string;
  /** Keys are `${prefix}leader:${name}`. */
  prefix: string;
  /** Lease length: a dead leader is replaced within about this long (default 5 s); renewed every ttl/3. */
  ttlMs?: number;
}

/** Extends the lease only while it is still ours: a leader whose lease ran out must not take it back. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * A lease per name in Redis (for deployments on EventStoreDB, which has no SQL database):
 * SET key token NX PX ttl, renewed with a compare-and-set. A refused renewal deposes the leader at
 * once; a renewal that gets no answer deposes it when two thirds of the lease have gone by
 * unconfirmed, before the key can expire and a standby take it.
 */
export class RedisLeaderLock implements LeaderLock {
  readonly ttlMs: number;
  private readonly redis: Redis;
  private readonly token = `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
  /** Per name held: when the lease surely still runs (measured from before the command was sent). */
  private readonly validUntil = new Map<string, number>();
  private readonly listeners: ((names: readonly string[] | 'all') => void)[] = [];
  private closed = false;

  constructor(private readonly options: RedisLeaderLockOptions) {
    this.ttlMs = options.ttlMs ?? 5000;
    // Fail fast while Redis is away: a renewal stuck in a retry queue would outlive the lease.
    // One node or a cluster (the lease is one key, its scripts one-key): both take these commands.
    this.redis = openRedis(options.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true }) as Redis;
    this.redis.on('error', () => undefined);
  }

  keyOf(name: string): string {
    return `${this.options.prefix}leader:${name}`;
  }

  async acquire(name: string): Promise<boolean> {
    await this.connected();
    const sentAt = Date.now();
    const ok = (await this.redis.set(this.keyOf(name), this.token, 'PX', this.ttlMs, 'NX')) === 'OK';
    if (ok) this.validUntil.set(name, sentAt + this.ttlMs);
    return ok;
  }

  async confirm(name: string): Promise<boolean> {
    const until = this.validUntil.get(name);
    if (until === undefined) return false;
    const sentAt = Date.now();
    try {
      const renewed = (await this.redis.eval(RENEW, 1, this.keyOf(name), this.token, String(this.ttlMs))) === 1;
      if (!renewed) this.validUntil.delete(name);
      else this.validUntil.set(name, sentAt + this.ttlMs);
      return renewed;
    } catch {
      // Unconfirmed: still ours while a third of the lease remains, a margin for timers and clocks.
      if (Date.now() < until - this.ttlMs / 3) return true;
      this.validUntil.delete(name);
      return false;
    }
  }

  async release(name: string): Promise<void> {
    if (!this.validUntil.delete(name)) return;
    await this.redis.eval(RELEASE, 1, this.keyOf(name), this.token);
  }

  onLost(listener: (names: readonly string[] | 'all') => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.validUntil.keys()].map((name) => this.release(name)));
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async connected(): Promise<void> {
    if (this.closed) throw new Error('leader lock closed');
    if (this.redis.status === 'wait' || this.redis.status === 'end') await this.redis.connect();
  }
}
