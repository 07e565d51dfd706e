import type { Change } from '../projection';

/** A plain Redis command: its name, the key, then the arguments, numbers as digits. */
export type RedisCommand = [name: 'hset' | 'hincrby' | 'zadd' | 'zincrby' | 'zremrangebyrank' | 'set', key: string, ...args: string[]];

/** The changes cannot be folded exactly; the caller applies them one by one instead. */
export class CannotFold extends Error {
  override readonly name = 'CannotFold';
}

/** A hash field: last HSET value (then increments folded into it), or increments only. */
interface FieldFold {
  value?: string;
  by: number;
}

/** A sorted-set member: last ZADD score (then increments folded into it), or increments only. */
interface MemberFold {
  score?: number;
  by: number;
}

interface KeyFold {
  hash?: Map<string, FieldFold>;
  zset?: Map<string, MemberFold>;
  /** ztrim's `keep`, when the key is trimmed; the trim must be the key's last change. */
  keep?: number;
  trimmedLast?: boolean;
  incremented?: boolean;
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/**
 * Folds a run of changes, in order, into the fewest Redis commands that leave the very same state:
 * a balance moved 50 times is one HINCRBY of the sum, a hash's fields one HSET, a feed's new items one
 * ZADD and one trim. Only for a single writer that owns the keys (a rebuild or a replay into a fresh
 * target): nothing else may write them between the changes.
 *
 * It is exact because each operation folds without reading state: increments add up (checked to stay
 * safe integers, as Redis would keep them), a set value takes later increments into it, and trimming
 * a sorted set once after many adds keeps the same members as trimming after each add, provided its
 * members are added once with a score that never changes (a feed: one member per event, score 0).
 * Anything that would break one of those throws CannotFold before a command is produced.
 */
export class ChangeFold {
  private readonly folds = new Map<string, KeyFold>();
  /** Changes folded so far. */
  changes = 0;

  add(change: Change): void {
    this.changes++;
    let fold = this.folds.get(change.key);
    if (fold === undefined) {
      fold = {};
      this.folds.set(change.key, fold);
    }
    switch (change.op) {
      case 'hset': {
        const fields = (fold.hash ??= new Map<string, FieldFold>());
        for (const field in change.values) fields.set(field, { value: String(change.values[field]), by: 0 });
        return;
      }
      case 'hincrby': {
        const fields = (fold.hash ??= new Map<string, FieldFold>());
        const field = fields.get(change.field);
        if (field === undefined) fields.set(change.field, { by: change.by });
        else if (field.value === undefined) field.by = safeSum(field.by, change.by, change);
        else if (INTEGER.test(field.value)) field.value = String(safeSum(Number(field.value), change.by, change));
        else throw new CannotFold(`hincrby ${change.key} ${change.field}: the field holds ${JSON.stringify(field.value)}`);
        return;
      }
      case 'zincrby': {
        if (fold.keep !== undefined) throw new CannotFold(`zincrby ${change.key}: a trimmed sorted set must keep its scores`);
        fold.incremented = true;
        const members = (fold.zset ??= new Map<string, MemberFold>());
        const member = members.get(change.member);
        if (member === undefined) members.set(change.member, { by: change.by });
        else if (member.score === undefined) member.by = safeSum(member.by, change.by, change);
        else member.score = safeSum(member.score, change.by, change);
        return;
      }
      case 'zadd': {
        const members = (fold.zset ??= new Map<string, MemberFold>());
        const member = members.get(change.member);
        if (fold.keep !== undefined && member !== undefined && member.score !== change.score) {
          throw new CannotFold(`zadd ${change.key}: a trimmed sorted set must keep its scores`);
        }
        members.set(change.member, { score: change.score, by: 0 });
        fold.trimmedLast = false;
        return;
      }
      case 'ztrim': {
        if (fold.incremented) throw new CannotFold(`ztrim ${change.key}: a trimmed sorted set must keep its scores`);
        if (fold.keep !== undefined && fold.keep !== change.keep) throw new CannotFold(`ztrim ${change.key}: two lengths in one run`);
        fold.keep = change.keep;
        fold.trimmedLast = true;
        return;
      }
      default:
        throw new CannotFold(`unknown op ${String((change as { op: unknown }).op)}`);
    }
  }

  /** The commands, keys as given to `keyOf` (the caller's prefix). Checks every key's trim. */
  commands(keyOf: (logical: string) => string): RedisCommand[] {
    const out: RedisCommand[] = [];
    for (const [logical, fold] of this.folds) {
      if (fold.keep !== undefined && !fold.trimmedLast) throw new CannotFold(`${logical}: an add after the last trim`);
      const key = keyOf(logical);
      if (fold.hash) {
        const set: string[] = [];
        for (const [field, { value, by }] of fold.hash) {
          // An increment of 0 still creates the field, as HINCRBY does.
          if (value === undefined) out.push(['hincrby', key, field, String(by)]);
          else set.push(field, value);
        }
        pushPairs(out, 'hset', key, set);
      }
      if (fold.zset) {
        const add: string[] = [];
        for (const [member, { score, by }] of fold.zset) {
          if (score === undefined) out.push(['zincrby', key, String(by), member]);
          else add.push(String(score), member);
        }
        pushPairs(out, 'zadd', key, add);
      }
      if (fold.keep !== undefined) out.push(['zremrangebyrank', key, '0', String(-1 - fold.keep)]);
    }
    return out;
  }
}

/** Pairs per HSET or ZADD: Lua unpacks at most about 8,000 values at once. */
const PAIRS_PER_COMMAND = 1000;

/** HSET and ZADD of many pairs, in commands of at most PAIRS_PER_COMMAND pairs. */
export const pushPairs = (out: RedisCommand[], name: 'hset' | 'zadd', key: string, pairs: string[]): void => {
  for (let start = 0; start < pairs.length; start += 2 * PAIRS_PER_COMMAND) {
    out.push([name, key, ...pairs.slice(start, start + 2 * PAIRS_PER_COMMAND)]);
  }
};

/**
 * numkeys, KEYS and ARGV of BULK_APPLY_SCRIPT: the guard, then each key once, the commands naming
 * them by index (1-based, as Lua's KEYS).
 */
export const bulkApplyArgs = (guardKey: string, guardValue: string, commands: readonly RedisCommand[]): string[] => {
  const keys = [guardKey];
  const indexOf = new Map<string, number>();
  const wire = commands.map(([name, key, ...args]) => {
    let index = indexOf.get(key);
    if (index === undefined) {
      index = keys.push(key);
      indexOf.set(key, index);
    }
    return [name, index, ...args];
  });
  return [String(keys.length), ...keys, guardValue, JSON.stringify(wire)];
};

const safeSum = (a: number, b: number, change: Change): number => {
  const sum = a + b;
  if (!Number.isSafeInteger(sum)) throw new CannotFold(`${change.op} ${change.key}: the sum leaves the safe integers`);
  return sum;
};
