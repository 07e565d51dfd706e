import type Redis from 'ioredis';
import type { Begin, IdempotencyStore, Lease, StoredResponse } from './idempotency-store.port';

export interface RedisIdempotencyStoreOptions {
  /** Prefix of every key (ZAN_REDIS_PREFIX). */
  prefix: string;
  /** Redis forgets a record this long after it was begun (ZAN_IDEMPOTENCY_TTL_HOURS); 0: never. */
  retentionMs?: number;
}

// One hash per record: hash, state (pending|done), response (JSON text), lockedUntil, createdAt (ms).
// Every step is one script, so a begin, a takeover or a completion is atomic across api instances.
const BEGIN = `
local r = redis.call('HMGET', KEYS[1], 'hash', 'state', 'response', 'lockedUntil', 'createdAt')
if not r[1] then
  redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'state', 'pending', 'lockedUntil', ARGV[3], 'createdAt', ARGV[2])
  if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
  return { 'started', ARGV[2], '0', ARGV[3] }
end
if r[1] ~= ARGV[1] then return { 'mismatch' } end
if r[2] == 'done' then return { 'replay', r[3] } end
if tonumber(r[4]) > tonumber(ARGV[2]) then return { 'in-progress' } end
redis.call('HSET', KEYS[1], 'lockedUntil', ARGV[3])
return { 'started', r[5], '1', ARGV[3] }
`;

// A refusal decided up front: the finished record, unless the key has one.
const REFUSE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'hash', ARGV[1], 'state', 'done', 'response', ARGV[3], 'lockedUntil', ARGV[2], 'createdAt', ARGV[2])
if tonumber(ARGV[4]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[4]) end
return 1
`;

// Complete, release and abandon act only for the lease's holder (ARGV[1]: the lease's end, its token).
const HOLDS = `
local r = redis.call('HMGET', KEYS[1], 'state', 'lockedUntil')
if r[1] ~= 'pending' or r[2] ~= ARGV[1] then return 0 end
`;

const COMPLETE = `${HOLDS}
redis.call('HSET', KEYS[1], 'state', 'done', 'response', ARGV[2])
return 1
`;

const RELEASE = `${HOLDS}
return redis.call('DEL', KEYS[1])
`;

const ABANDON = `${HOLDS}
redis.call('HSET', KEYS[1], 'lockedUntil', '0')
return 1
`;

const EXPIRE_ONE = `
local r = redis.call('HMGET', KEYS[1], 'state', 'lockedUntil', 'createdAt')
if not r[1] then return 0 end
local cutoff = tonumber(ARGV[1])
if tonumber(r[3]) < cutoff and (r[1] == 'done' or tonumber(r[2]) < cutoff) then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Idempotency records in Redis, for deployments without a SQL database beside the events
 * (EventStoreDB). Same semantics as SqlIdempotencyStore: an atomic begin with a lease and a
 * takeover, replays of the first answer byte for byte (kept as JSON text), and mismatches. Records
 * also expire on their own after `retentionMs`, so Redis memory stays bounded without a sweeper.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisIdempotencyStoreOptions,
  ) {
    this.keyPrefix = `${options.prefix}api:idempotency:`;
  }

  async begin(scope: string, key: string, requestHash: string, leaseMs: number, now: Date): Promise<Begin> {
    const at = now.getTime();
    const reply = (await this.redis.eval(
      BEGIN,
      1,
      this.keyOf(scope, key),
      requestHash,
      String(at),
      String(at + leaseMs),
      String(this.options.retentionMs ?? 0),
    )) as [string, string?, string?, string?];
    switch (reply[0]) {
      case 'started':
        return { outcome: 'started', createdAt: new Date(Number(reply[1])), takenOver: reply[2] === '1', lease: Number(reply[3]) };
      case 'replay':
        return { outcome: 'replay', response: JSON.parse(reply[1]!) as StoredResponse };
      case 'mismatch':
        return { outcome: 'mismatch' };
      default:
        return { outcome: 'in-progress' };
    }
  }

  async refuse(scope: string, key: string, requestHash: string, response: StoredResponse, now: Date): Promise<boolean> {
    const reply = await this.redis.eval(
      REFUSE,
      1,
      this.keyOf(scope, key),
      requestHash,
      String(now.getTime()),
      JSON.stringify(response),
      String(this.options.retentionMs ?? 0),
    );
    return Number(reply) === 1;
  }

  async complete(scope: string, key: string, response: StoredResponse, lease: Lease): Promise<boolean> {
    return Number(await this.redis.eval(COMPLETE, 1, this.keyOf(scope, key), String(lease), JSON.stringify(response))) === 1;
  }

  async release(scope: string, key: string, lease: Lease): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.keyOf(scope, key), String(lease));
  }

  async abandon(scope: string, key: string, lease: Lease): Promise<void> {
    await this.redis.eval(ABANDON, 1, this.keyOf(scope, key), String(lease));
  }

  /** Scans this store's keys (a maintenance task: records also expire on their own). */
  async expire(olderThan: Date): Promise<number> {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(this.keyPrefix)}*`, 'COUNT', 500);
      cursor = next;
      for (const key of keys) deleted += Number(await this.redis.eval(EXPIRE_ONE, 1, key, String(olderThan.getTime())));
    } while (cursor !== '0');
    return deleted;
  }

  /** Scope and key are percent-encoded, so no `:` in either can make two records share a key. */
  private keyOf(scope: string, key: string): string {
    return `${this.keyPrefix}${encodeURIComponent(scope)}:${encodeURIComponent(key)}`;
  }
}

const escapeGlob = (text: string): string => text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
