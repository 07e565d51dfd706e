import type { StatsSource } from '../stats/stats-reads';
import type { RedisClient } from './client';

/** Logical key -> the Redis keys it is read from (one, or one per shard to merge), in the generation read once for the whole query. */
type KeysOf = () => Promise<(logical: string) => string[]>;

/**
 * The stats reads, every key of the range sent at once (one round trip per node). A key written per
 * event or per member (keys.ts, `placements`) is read in every shard and merged: hash fields and
 * member scores summed (each member of a ranking is in one shard, so its score is its own).
 */
export const redisStatsSource = (redis: RedisClient, keysOf: KeysOf): StatsSource => {
  const physical = async (logical: string[]): Promise<string[][]> => {
    const keyOf = await keysOf();
    return logical.map(keyOf);
  };
  return {
    async hashes(logical) {
      const groups = await physical(logical);
      return Promise.all(
        groups.map(async (group) => {
          const merged: Record<string, string> = {};
          for (const hash of await Promise.all(group.map((key) => redis.hgetall(key)))) {
            for (const [field, value] of Object.entries(hash)) merged[field] = field in merged ? String(Number(merged[field]) + Number(value)) : value;
          }
          return merged;
        }),
      );
    },
    async scored(logical) {
      const groups = await physical(logical);
      return Promise.all(
        groups.map(async (group) => {
          const totals = new Map<string, number>();
          for (const pairs of await Promise.all(group.map((key) => redis.zrange(key, 0, -1, 'WITHSCORES')))) {
            for (let i = 0; i < pairs.length; i += 2) totals.set(pairs[i]!, (totals.get(pairs[i]!) ?? 0) + Number(pairs[i + 1]));
          }
          return [...totals];
        }),
      );
    },
  };
};
