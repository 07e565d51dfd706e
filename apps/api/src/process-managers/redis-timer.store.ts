import type Redis from 'ioredis';
import type { TimerStore } from './timer.store';

/**
 * Durable timers in Redis (deployments without a SQL database beside the events): one sorted set,
 * member = timer id, score = due time in ms. Scheduling again moves a timer; due() answers the
 * earliest first, like SqlTimerStore.
 */
export class RedisTimerStore implements TimerStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    options: { prefix: string },
  ) {
    this.key = `${options.prefix}api:timers`;
  }

  async schedule(id: string, dueAt: Date): Promise<void> {
    await this.redis.zadd(this.key, dueAt.getTime(), id);
  }

  async cancel(id: string): Promise<void> {
    await this.redis.zrem(this.key, id);
  }

  async due(now: Date, limit: number): Promise<{ id: string; dueAt: Date }[]> {
    const flat = await this.redis.zrangebyscore(this.key, '-inf', now.getTime(), 'WITHSCORES', 'LIMIT', 0, limit);
    const due: { id: string; dueAt: Date }[] = [];
    for (let i = 0; i < flat.length; i += 2) due.push({ id: flat[i], dueAt: new Date(Number(flat[i + 1])) });
    return due;
  }
}
