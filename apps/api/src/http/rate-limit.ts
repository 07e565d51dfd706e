import { ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest, type ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';
import { IDEMPOTENT_ROUTE } from './idempotent-route';
import { ProblemException, problem } from './problem';

// Fixed window per key: one atomic step, so every api instance shares the same count.
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return { hits, ttl }
`;

/** Throttler counts in Redis, so the limit holds across instances. */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, name: string): Promise<ThrottlerStorageRecord> {
    const [hits, pttl] = (await this.redis.eval(INCREMENT, 1, `${this.prefix}rate:${name}:${key}`, String(ttl))) as [number, number];
    const timeToExpire = Math.max(1, Math.ceil(pttl / 1000));
    const isBlocked = hits > limit;
    return { totalHits: hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }
}

/** In one process (embedded mode): the same fixed window in memory. */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, { hits: number; until: number }>();

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, name: string): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${name}:${key}`;
    let window = this.windows.get(id);
    if (!window || window.until <= now) {
      window = { hits: 0, until: now + ttl };
      this.windows.set(id, window);
      if (this.windows.size > 100_000) for (const [k, w] of this.windows) if (w.until <= now) this.windows.delete(k);
    }
    window.hits++;
    const timeToExpire = Math.max(1, Math.ceil((window.until - now) / 1000));
    const isBlocked = window.hits > limit;
    return { totalHits: window.hits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }
}

const RATE_LIMITED_ROUTE = 'zan:rate-limited';
/** Counts a route that moves no money against the same per-user budget as money-moving ones (linking a card). */
export const RateLimited = () => SetMetadata(RATE_LIMITED_ROUTE, true);

/**
 * Limits per user (not per IP: many users share a carrier's NAT), with two throttlers: `money` on
 * money-moving routes and those marked RateLimited, and `queries`, a separate and higher limit, on
 * authenticated GETs (the read models are Redis's to protect, and `?after=` holds a request open).
 * Probes and scrapes carry no user and are never limited.
 */
@Injectable()
export class MoneyRateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    if (!this.limits(request.throttler.name, request.context)) return true;
    return super.handleRequest(request);
  }

  private limits(throttler: string | undefined, context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (throttler === 'money') {
      if (this.reflector.getAllAndOverride<boolean | undefined>(RATE_LIMITED_ROUTE, targets)) return true;
      return this.reflector.getAllAndOverride<string | undefined>(IDEMPOTENT_ROUTE, targets) === 'required';
    }
    const request = context.switchToHttp().getRequest<{ method: string; principal?: unknown }>();
    return request.method === 'GET' && request.principal !== undefined;
  }

  protected override async getTracker(request: Record<string, any>): Promise<string> {
    return `user:${request.principal?.userId ?? 'anonymous'}`;
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = String(Math.max(1, detail.timeToBlockExpire || detail.timeToExpire));
    const what = detail.key.startsWith('queries:') ? 'queries' : 'money-moving or card-linking requests';
    throw new ProblemException(
      problem(429, 'rate-limited', 'Too many requests', `at most ${detail.limit} ${what} per minute; retry in ${retryAfter} s`),
      { 'Retry-After': retryAfter },
    );
  }
}

export const RATE_LIMIT_REDIS = Symbol('RATE_LIMIT_REDIS');
