import type Redis from 'ioredis';
import type { StatsSource } from '../stats/stats-reads';

/** Logical key -> the Redis key, in the generation read once for the whole query. */
type KeysOf = () => Promise<(logical: string) => string>;

/** The stats reads in one pipeline per query: every hash or sorted set of the range in one round trip. */
export const redisStatsSource = (redis: Redis, keysOf: KeysOf): StatsSource => {
  const run = async <T>(logical: string[], add: (pipeline: ReturnType<Redis['pipeline']>, key: string) => void): Promise<T[]> => {
    const keyOf = await keysOf();
    const pipeline = redis.pipeline();
    for (const key of logical) add(pipeline, keyOf(key));
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, value]) => {
      if (error) throw error;
      return value as T;
    });
  };
  return {
    hashes: (logical) => run<Record<string, string>>(logical, (p, key) => p.hgetall(key)),
    async scored(logical) {
      const flat = await run<string[]>(logical, (p, key) => p.zrange(key, 0, -1, 'WITHSCORES'));
      return flat.map((pairs) => {
        const entries: [string, number][] = [];
        for (let i = 0; i < pairs.length; i += 2) entries.push([pairs[i]!, Number(pairs[i + 1])]);
        return entries;
      });
    },
  };
};
