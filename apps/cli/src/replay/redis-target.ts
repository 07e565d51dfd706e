import type Redis from 'ioredis';
import { BULK_APPLY_SCRIPT, CannotFold, ChangeFold, LUA_APPLY_CHANGE, bulkApplyArgs, type Change, type RedisCommand } from '@zan/read-models';
import { REPLAY_FORMAT, type ReplayCheckpoint, type ReplaySpec, type ReplayState, type ReplayTarget } from './replay-target';

/** The replay's own record, beside the read-model keys it writes (no read-model key is named so). */
export const REPLAY_META_KEY = 'replay';

/**
 * Each batch is written only on top of the one before it: the replay record's `position` must be
 * the one the batch follows (ARGV[3]; empty before the first batch), else -1 and nothing written.
 */
const FOLLOWS_GUARD = `if (redis.call('HGET', KEYS[1], 'position') or '') ~= ARGV[3] then return -1 end
`;

const REPLAY_APPLY = 'zanReplayApply';
const BULK_APPLY = 'zanReplayBulkApply';
interface ReplayCommands {
  [REPLAY_APPLY]: (...args: (string | number)[]) => Promise<number>;
  [BULK_APPLY]: (...args: string[]) => Promise<number>;
}

/**
 * One batch in one script, change by change, so its changes and the checkpoint land together (Redis
 * runs a script whole), with one command on the wire instead of one per change. For the batches
 * ChangeFold cannot fold; the others go folded through BULK_APPLY_SCRIPT.
 * KEYS: 1 the replay record, 2.. the keys the changes name. ARGV: 1 changes as JSON arrays
 * [op, keyIndex, ...], every number a string; 2 the record's new fields as a flat JSON array; 3 the
 * position the batch follows (FOLLOWS_GUARD).
 */
const REPLAY_APPLY_SCRIPT = `${LUA_APPLY_CHANGE}
${FOLLOWS_GUARD}
for _, c in ipairs(cjson.decode(ARGV[1])) do
  if not apply_change(c) then return redis.error_reply('zan: bad change ' .. tostring(c[1])) end
end
redis.call('HSET', KEYS[1], unpack(cjson.decode(ARGV[2])))
return 1
`;
/** BULK_APPLY_SCRIPT (its own guard unused: ARGV[1] empty) behind FOLLOWS_GUARD, KEYS[1] the replay record. */
const REPLAY_BULK_APPLY_SCRIPT = `${FOLLOWS_GUARD}${BULK_APPLY_SCRIPT}`;

/**
 * A replay into Redis under a key prefix, with the live read models' logical keys (the live store adds
 * its slot-group tags and spreads aggregates over them: README of libs/read-models), so the result can
 * be inspected like them (README of libs/read-models, "Key layout"). Each batch is one Lua script:
 * the changes and the checkpoint land together. The replay is the prefix's only writer, so a batch's
 * changes are folded first (a balance moved 50 times is one HINCRBY; ChangeFold), which leaves the
 * same keys with far fewer Redis calls.
 */
export class RedisReplayTarget implements ReplayTarget {
  readonly description: string;
  readonly ordered = true;
  private readonly meta: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.description = `redis:${prefix}`;
    this.meta = prefix + REPLAY_META_KEY;
    this.redis.defineCommand(REPLAY_APPLY, { lua: REPLAY_APPLY_SCRIPT });
    this.redis.defineCommand(BULK_APPLY, { lua: REPLAY_BULK_APPLY_SCRIPT });
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

  /**
   * Lands only on top of the batch at `after`: a batch sent while the one before it failed (batches
   * overlap on the wire) is refused rather than moving the checkpoint past changes never written,
   * and a batch sent again after a reconnect is not applied twice.
   */
  async apply(changes: Change[], checkpoint: ReplayCheckpoint, after?: bigint): Promise<void> {
    const follows = after?.toString() ?? '';
    const reaches = checkpoint.position?.toString() ?? '';
    const meta = [
      'position',
      checkpoint.position?.toString() ?? '',
      'events',
      String(checkpoint.events),
      'status',
      checkpoint.done ? 'done' : 'running',
      'updatedAt',
      new Date().toISOString(),
    ];
    const folded = this.fold(changes);
    if (folded) {
      folded.push(['hset', this.meta, ...meta]);
      const landed = await (this.redis as unknown as ReplayCommands)[BULK_APPLY](...bulkApplyArgs(this.meta, '', folded), follows);
      if (landed === -1) await this.refused(follows, reaches);
      return;
    }
    // Keys by index, numbers as strings (cjson would turn them into doubles).
    const keys: string[] = [this.meta];
    const indexOf = new Map<string, number>();
    const keyIndex = (logical: string): number => {
      let index = indexOf.get(logical);
      if (index === undefined) {
        index = keys.push(this.prefix + logical);
        indexOf.set(logical, index);
      }
      return index;
    };
    const wire = changes.map((c): unknown[] => {
      switch (c.op) {
        case 'hset':
          return ['hset', keyIndex(c.key), Object.entries(c.values).flatMap(([field, value]) => [field, String(value)])];
        case 'hincrby':
          return ['hincrby', keyIndex(c.key), c.field, String(c.by)];
        case 'zincrby':
          return ['zincrby', keyIndex(c.key), c.member, String(c.by)];
        case 'zadd':
          return ['zadd', keyIndex(c.key), c.member, String(c.score)];
        case 'ztrim':
          return ['ztrim', keyIndex(c.key), String(c.keep)];
      }
    });
    const landed = await (this.redis as unknown as ReplayCommands)[REPLAY_APPLY](keys.length, ...keys, JSON.stringify(wire), JSON.stringify(meta), follows);
    if (landed === -1) await this.refused(follows, reaches);
  }

  /** Refused by the guard: fine when the batch had landed already (sent again), an error otherwise. */
  private async refused(follows: string, reaches: string): Promise<void> {
    const stored = await this.redis.hget(this.meta, 'position');
    if (stored === reaches) return;
    throw new Error(
      `${this.description} is at position ${stored || 'none'}, not ${follows || 'none'}: the batch before this one did not land; run the replay again to resume`,
    );
  }

  /** The batch's changes as the fewest plain commands, or undefined when they do not fold exactly. */
  private fold(changes: Change[]): RedisCommand[] | undefined {
    try {
      const fold = new ChangeFold();
      for (const change of changes) fold.add(change);
      return fold.commands((logical) => this.prefix + logical);
    } catch (error) {
      if (error instanceof CannotFold) return undefined;
      throw error;
    }
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {}

  private pattern(): string {
    return `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  }
}
