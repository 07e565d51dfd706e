import type Redis from 'ioredis';
import type { DueTimer, TimerCause, TimerStore } from './timer-store.port';

/**
 * Durable timers in Redis (deployments without a SQL database beside the events): one sorted set,
 * member = timer id, score = due time in ms, and a hash of each timer's cause (JSON) beside it.
 * Scheduling again moves a timer; due() answers the earliest first, like SqlTimerStore. A timer
 * stored before causes were kept has no entry in the hash and still fires.
 */
export class RedisTimerStore implements TimerStore {
  private readonly key: string;
  private readonly causes: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix: string },
  ) {
    this.key = `${options.prefix}api:timers`;
    this.causes = `${options.prefix}api:timers:causes`;
  }

  /** Every key the store writes (for tests that clean up). */
  get keys(): string[] {
    return [this.key, this.causes];
  }

  async schedule(id: string, dueAt: Date, cause?: TimerCause): Promise<void> {
    const multi = this.redis.multi().zadd(this.key, dueAt.getTime(), id);
    if (cause) multi.hset(this.causes, id, JSON.stringify({ correlationId: cause.correlationId, causationId: cause.causationId }));
    else multi.hdel(this.causes, id);
    await multi.exec();
  }

  async cancel(id: string): Promise<void> {
    await this.redis.multi().zrem(this.key, id).hdel(this.causes, id).exec();
  }

  async now(): Promise<Date> {
    const [seconds, micros] = await this.redis.time();
    return new Date(Number(seconds) * 1000 + Math.floor(Number(micros) / 1000));
  }

  async due(now: Date, limit: number): Promise<DueTimer[]> {
    const flat = await this.redis.zrangebyscore(this.key, '-inf', now.getTime(), 'WITHSCORES', 'LIMIT', 0, limit);
    const ids = flat.filter((_, i) => i % 2 === 0);
    const causes = ids.length > 0 ? await this.redis.hmget(this.causes, ...ids) : [];
    return ids.map((id, i) => {
      const cause = causes[i];
      return { id, dueAt: new Date(Number(flat[2 * i + 1])), ...(cause && { cause: JSON.parse(cause) as TimerCause }) };
    });
  }
}
