import type Redis from 'ioredis';
import type { Change } from '@zan/read-models';
import { REPLAY_FORMAT, type ReplayCheckpoint, type ReplaySpec, type ReplayState, type ReplayTarget } from './replay-target';

/** The replay's own record, beside the read-model keys it writes (no read-model key is named so). */
export const REPLAY_META_KEY = 'replay';

/**
 * A replay into Redis under a key prefix, with the live read models' key layout, so the result can
 * be read like the live ones (RedisReadModelStore with that prefix). Each batch is one MULTI: the
 * changes and the checkpoint land together or not at all.
 */
export class RedisReplayTarget implements ReplayTarget {
  readonly description: string;
  private readonly meta: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.description = `redis:${prefix}`;
    this.meta = prefix + REPLAY_META_KEY;
  }

  async open(): Promise<ReplayState | undefined> {
    const meta = await this.redis.hgetall(this.meta);
    if (meta.format !== REPLAY_FORMAT) return undefined;
    return {
      spec: {
        projections: meta.projections.split(','),
        from: meta.from ? BigInt(meta.from) : undefined,
        to: BigInt(meta.to),
      },
      checkpoint: { position: meta.position ? BigInt(meta.position) : undefined, events: Number(meta.events ?? 0), done: meta.status === 'done' },
    };
  }

  async isEmpty(): Promise<boolean> {
    // SCAN may answer empty pages before the end: go through the whole key space.
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.pattern(), 'COUNT', 10_000);
      if (keys.length > 0) return false;
      cursor = next;
    } while (cursor !== '0');
    return true;
  }

  async reset(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.pattern(), 'COUNT', 1000);
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async begin(spec: ReplaySpec): Promise<void> {
    await this.redis.hset(this.meta, {
      format: REPLAY_FORMAT,
      projections: spec.projections.join(','),
      from: spec.from?.toString() ?? '',
      to: spec.to.toString(),
      position: '',
      events: '0',
      status: 'running',
      startedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    });
  }

  async apply(changes: Change[], checkpoint: ReplayCheckpoint): Promise<void> {
    const multi = this.redis.multi();
    for (const change of changes) {
      const key = this.prefix + change.key;
      switch (change.op) {
        case 'hset':
          multi.hset(key, change.values);
          break;
        case 'hincrby':
          multi.hincrby(key, change.field, change.by);
          break;
        case 'zincrby':
          multi.zincrby(key, change.by, change.member);
          break;
        case 'zadd':
          multi.zadd(key, change.score, change.member);
          break;
        case 'ztrim':
          multi.zremrangebyrank(key, 0, -1 - change.keep);
          break;
      }
    }
    multi.hset(this.meta, {
      position: checkpoint.position?.toString() ?? '',
      events: String(checkpoint.events),
      status: checkpoint.done ? 'done' : 'running',
      updatedAt: new Date().toISOString(),
    });
    const results = (await multi.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  private pattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  }
}
