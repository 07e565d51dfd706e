import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

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
