import { compareBytes } from '../positions';
import type { Change } from '../projection';

/**
 * Just enough of Redis for the folds' specs (change-fold, generation-fold): hashes of strings, sorted
 * sets ordered by score then bytes, and the commands and changes the folds write.
 */
export type RedisModel = Map<string, Map<string, string> | Map<string, number>>;

const hash = (model: RedisModel, key: string) => (model.get(key) ?? model.set(key, new Map<string, string>()).get(key)!) as Map<string, string>;
const zset = (model: RedisModel, key: string) => (model.get(key) ?? model.set(key, new Map<string, number>()).get(key)!) as Map<string, number>;

/** HINCRBY on the model, refusing a field that is not an integer as Redis does. */
export const hincrbyIn = (model: RedisModel, key: string, field: string, by: number): void => {
  const h = hash(model, key);
  const value = h.get(field) ?? '0';
  if (!/^-?\d+$/.test(value)) throw new Error('ERR hash value is not an integer');
  h.set(field, String(Number(value) + by));
};

/** HSET of one field. */
export const hsetIn = (model: RedisModel, key: string, field: string, value: string): void => void hash(model, key).set(field, value);

const trim = (z: Map<string, number>, keep: number) => {
  const ranked = [...z].sort(([ma, a], [mb, b]) => a - b || compareBytes(ma, mb));
  for (const [member] of ranked.slice(0, Math.max(0, ranked.length - keep))) z.delete(member);
};

/** A projection's change applied to `key` (its own key, or where it was placed), as Redis would. */
export const applyChange = (model: RedisModel, change: Change, key: string = change.key): void => {
  switch (change.op) {
    case 'hset':
      for (const [field, value] of Object.entries(change.values)) hash(model, key).set(field, String(value));
      return;
    case 'hincrby':
      return hincrbyIn(model, key, change.field, change.by);
    case 'zincrby': {
      const z = zset(model, key);
      z.set(change.member, (z.get(change.member) ?? 0) + change.by);
      return;
    }
    case 'zadd':
      zset(model, key).set(change.member, change.score);
      return;
    case 'ztrim':
      return trim(zset(model, key), change.keep);
  }
};

/** A command as a fold writes it (HSET, HINCRBY, ZINCRBY, ZADD, ZREMRANGEBYRANK 0 -n), on `key`. */
export const applyCommand = (model: RedisModel, name: string, key: string, args: string[]): void => {
  switch (name) {
    case 'hset':
      for (let i = 0; i < args.length; i += 2) hash(model, key).set(args[i]!, args[i + 1]!);
      return;
    case 'hincrby':
      return hincrbyIn(model, key, args[0]!, Number(args[1]));
    case 'zincrby': {
      const z = zset(model, key);
      z.set(args[1]!, (z.get(args[1]!) ?? 0) + Number(args[0]));
      return;
    }
    case 'zadd':
      for (let i = 0; i < args.length; i += 2) zset(model, key).set(args[i + 1]!, Number(args[i]));
      return;
    case 'zremrangebyrank':
      if (args[0] !== '0') throw new Error(`ZREMRANGEBYRANK from ${args[0]}, not 0`);
      return trim(zset(model, key), -1 - Number(args[1]));
    default:
      throw new Error(`unexpected ${name}`);
  }
};

/** The model's non-empty keys, each with its entries in byte order: what two models compare by. */
export const snapshotOf = (model: RedisModel) =>
  [...model]
    .filter(([, values]) => values.size > 0)
    .map(([key, values]) => [key, [...values].sort(([a], [b]) => compareBytes(a, b))])
    .sort();
