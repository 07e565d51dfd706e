import type { RedisClient } from './client';
import { LUA_POSITION_BEFORE } from '../positions';

/**
 * Moves the watermark of a generation along the prevPosition chain. Returns 1 when the position is
 * new to the chain, 0 when the chain had already passed it.
 */
const LUA_ADVANCE = `
local function advance(mark_key, pending_key, position, prev)
  local mark = redis.call('GET', mark_key) or '0'
  if prev == mark then
    mark = position
    local nxt = redis.call('HGET', pending_key, mark)
    while nxt do
      redis.call('HDEL', pending_key, mark)
      if not position_before(mark, nxt) then break end
      mark = nxt
      nxt = redis.call('HGET', pending_key, mark)
    end
    redis.call('SET', mark_key, mark)
    return 1
  elseif position_before(mark, prev) then
    if redis.call('HGET', pending_key, prev) == position then return 0 end
    redis.call('HSET', pending_key, prev, position)
    return 1
  end
  return 0
end
`;

/**
 * Lua: applies one projection change `[op, keyIndex, ...]` (see Change, every number a string) to
 * KEYS[keyIndex]; answers false, having written nothing, for an op it does not know. Shared by the
 * live apply below and the CLI's replay into Redis.
 */
export const LUA_APPLY_CHANGE = `
local function apply_change(c)
  local op, key = c[1], KEYS[c[2]]
  if op == 'hset' then redis.call('HSET', key, unpack(c[3]))
  elseif op == 'hincrby' then redis.call('HINCRBY', key, c[3], c[4])
  elseif op == 'zincrby' then redis.call('ZINCRBY', key, c[4], c[3])
  elseif op == 'zadd' then redis.call('ZADD', key, c[4], c[3])
  elseif op == 'ztrim' then redis.call('ZREMRANGEBYRANK', key, 0, -1 - tonumber(c[3]))
  else return false
  end
  return true
end
`;

/**
 * A batch of events applied in order to ONE shard (every key in one hash slot), each one atomically:
 * dedupe check, the event's changes that belong to this shard, dedupe record, and on the event's home
 * shard (its stream's) the counters. The watermark moves afterwards (ADVANCE_SCRIPT), once every
 * shard has the batch. The script stops at the first failing command, so the events before it are
 * applied and none after it is.
 * KEYS: 1.. dedupe, counter and change keys. ARGV: 1 the batch as JSON:
 *   [kind ('a' apply, 's' skip), dedupeKeyIndex, category, streamId, revision, counterKeyIndex (0 when
 *    this is not the event's home shard), changes: [[op, keyIndex, ...], ...]], every number but key
 *   indexes a string (cjson would make doubles of them).
 * Returns 1 (applied) or 0 (already applied) per event.
 */
export const SHARD_APPLY_SCRIPT = `${LUA_APPLY_CHANGE}
local batch = cjson.decode(ARGV[1])
local known = { hset = true, hincrby = true, zincrby = true, zadd = true, ztrim = true }
for _, e in ipairs(batch) do
  if not KEYS[e[2]] or (e[6] ~= 0 and not KEYS[e[6]]) then return redis.error_reply('zan: bad dedupe or counter key') end
  for _, c in ipairs(e[7]) do
    -- Redis keeps the writes of a script that fails half-way, so refuse before the first write.
    if not known[c[1]] or not KEYS[c[2]] then return redis.error_reply('zan: bad change ' .. tostring(c[1])) end
  end
end

local results = {}
for i, e in ipairs(batch) do
  local kind, dedupe, category, stream, revision, counters = e[1], KEYS[e[2]], e[3], e[4], e[5], e[6]
  local fresh = 1
  local last = redis.call('HGET', dedupe, stream)
  if last and tonumber(last) >= tonumber(revision) then fresh = 0 end
  if fresh == 1 then
    -- Every op was checked above: apply_change writes each one.
    for _, c in ipairs(e[7]) do apply_change(c) end
    redis.call('HSET', dedupe, stream, revision)
    if counters ~= 0 then
      local counter = kind == 'a' and 'applied' or 'skipped'
      redis.call('HINCRBY', KEYS[counters], counter, 1)
      redis.call('HINCRBY', KEYS[counters], counter .. ':' .. category, 1)
    end
  end
  results[i] = fresh
end
return results
`;

/**
 * Moves the watermark of a generation over a batch whose changes every shard already has, in the
 * control slot, when the guard allows writes to the generation. Idempotent: a link the chain has
 * passed changes nothing. Skips that name no stream are counted here (they touch no shard).
 * KEYS: 1 the guard key, 2 watermark, 3 watermark-pending, 4 the control slot's counters.
 * ARGV: 1 the generation written, 2 the guard's value when it is unset, 3 the links as JSON
 *   [position, prevPosition, category ('' when the event is counted in its shard)], positions as strings.
 * The guard makes a write to a generation that no longer takes writes impossible: the active
 * generation's pointer for the live store, the rebuild's lease for a generation being built.
 * Returns -1 when the guard does not hold ARGV[1] (nothing written), else per link 1 (the chain had
 * not passed it) or 0.
 */
export const ADVANCE_SCRIPT = `${LUA_POSITION_BEFORE}${LUA_ADVANCE}
local guard = redis.call('GET', KEYS[1]) or ARGV[2]
if guard ~= ARGV[1] then return -1 end
local results = {}
for i, link in ipairs(cjson.decode(ARGV[3])) do
  local moved = advance(KEYS[2], KEYS[3], link[1], link[2])
  if moved == 1 and link[3] ~= '' then
    redis.call('HINCRBY', KEYS[4], 'skipped', 1)
    redis.call('HINCRBY', KEYS[4], 'skipped:' .. link[3], 1)
  end
  results[i] = moved
end
return results
`;

/**
 * Makes a rebuilt generation the live one, only when it has applied everything the live one has:
 * its watermark is at or past the live watermark and every position pending in the live generation.
 * KEYS: 1 the active-generation pointer, 2 the rebuild lease, 3 live watermark, 4 live pending,
 *   5 new watermark. ARGV: 1 new generation, 2 live generation, 3 the pointer's value when unset.
 * Returns 1 switched, 0 not caught up yet, -1 the live generation is not ARGV[2], -2 the lease is lost.
 */
export const SWITCH_SCRIPT = `${LUA_POSITION_BEFORE}
if (redis.call('GET', KEYS[1]) or ARGV[3]) ~= ARGV[2] then return -1 end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -2 end
local mark = redis.call('GET', KEYS[5]) or '0'
if position_before(mark, redis.call('GET', KEYS[3]) or '0') then return 0 end
for _, position in ipairs(redis.call('HVALS', KEYS[4])) do
  if position_before(mark, position) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;

/** KEYS: 1 lease. ARGV: 1 generation, 2 ms. Extends the lease when it is still this generation's. */
export const RENEW_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/** KEYS: 1 lease. ARGV: 1 generation. Releases the lease when it is still this generation's. */
export const RELEASE_LEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

/**
 * The top of the author leaderboard in one atomic read: ZREVRANGE gives ties in descending member
 * order, so the members tied at the cut are fetched again in ascending order, then each one's tips.
 * KEYS: 1 leaderboard:authors. ARGV: 1 limit, 2 the earnings key prefix (prefix .. 'earnings:').
 * Returns a flat list authorId, total, tips, ... (not yet sorted; the caller sorts ties).
 */
export const LEADERBOARD_SCRIPT = `
local limit = tonumber(ARGV[1])
local top = redis.call('ZREVRANGE', KEYS[1], 0, limit - 1, 'WITHSCORES')
local picked = {}
if #top / 2 < limit then
  for i = 1, #top, 2 do picked[#picked + 1] = { top[i], top[i + 1] } end
else
  local cut = top[#top]
  for i = 1, #top, 2 do
    if tonumber(top[i + 1]) > tonumber(cut) then picked[#picked + 1] = { top[i], top[i + 1] } end
  end
  local tied = redis.call('ZRANGE', KEYS[1], cut, cut, 'BYSCORE', 'LIMIT', 0, limit - #picked)
  for _, member in ipairs(tied) do picked[#picked + 1] = { member, cut } end
end
local out = {}
for _, p in ipairs(picked) do
  out[#out + 1] = p[1]
  out[#out + 1] = p[2]
  out[#out + 1] = redis.call('HGET', ARGV[2] .. p[1], 'tips') or '0'
end
return out
`;

/**
 * Plain commands folded from a run of changes (ChangeFold), sent as one script so they cost Redis one
 * call and this process one command instead of one each, and land together with their checkpoint.
 * KEYS: 1 a guard key, 2.. the keys the commands name. ARGV: 1 the guard's expected value ('' for no
 * guard), 2 the commands as JSON arrays [command, keyIndex, ...arguments], every argument a string
 * (Lua numbers are doubles, and Redis prints them with 14 digits).
 * Returns -1 when the guard does not hold (nothing written), else 1.
 */
export const BULK_APPLY_SCRIPT = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local commands = cjson.decode(ARGV[2])
local known = { hset = true, hincrby = true, zadd = true, zincrby = true, zremrangebyrank = true, set = true }
-- Redis keeps the writes of a script that fails half-way, so refuse before the first write.
for _, c in ipairs(commands) do
  if not known[c[1]] or not KEYS[c[2]] then return redis.error_reply('zan: bad command ' .. tostring(c[1])) end
end
for _, c in ipairs(commands) do
  redis.call(c[1], KEYS[c[2]], unpack(c, 3))
end
return 1
`;

const SHARD_APPLY = 'zanReadModelShardApply';
const ADVANCE = 'zanReadModelAdvance';
const LEADERBOARD = 'zanReadModelLeaderboard';
const SWITCH = 'zanReadModelSwitch';
const RENEW_LEASE = 'zanReadModelRenewLease';
const RELEASE_LEASE = 'zanReadModelReleaseLease';
const BULK_APPLY = 'zanReadModelBulkApply';

type ScriptCall<R> = (...args: (string | number)[]) => Promise<R>;

/** The scripts above, callable on one connection (see defineScripts). */
export interface ReadModelScripts {
  shardApply: ScriptCall<number[]>;
  advance: ScriptCall<number | number[]>;
  leaderboard: ScriptCall<string[]>;
  switchGeneration: ScriptCall<number>;
  renewLease: ScriptCall<number>;
  releaseLease: ScriptCall<number>;
  bulkApply: ScriptCall<number>;
}

/** Loads the scripts on the connection (EVALSHA, EVAL once when Redis does not know one yet). */
export const defineScripts = (redis: RedisClient): ReadModelScripts => {
  redis.defineCommand(SHARD_APPLY, { lua: SHARD_APPLY_SCRIPT });
  redis.defineCommand(ADVANCE, { lua: ADVANCE_SCRIPT, numberOfKeys: 4 });
  redis.defineCommand(LEADERBOARD, { lua: LEADERBOARD_SCRIPT, numberOfKeys: 1, readOnly: true });
  redis.defineCommand(SWITCH, { lua: SWITCH_SCRIPT, numberOfKeys: 5 });
  redis.defineCommand(RENEW_LEASE, { lua: RENEW_LEASE_SCRIPT, numberOfKeys: 1 });
  redis.defineCommand(RELEASE_LEASE, { lua: RELEASE_LEASE_SCRIPT, numberOfKeys: 1 });
  redis.defineCommand(BULK_APPLY, { lua: BULK_APPLY_SCRIPT });
  const defined = redis as unknown as Record<string, ScriptCall<never>>;
  const call =
    <R>(name: string): ScriptCall<R> =>
    (...args) =>
      defined[name]!.call(redis, ...args) as Promise<R>;
  return {
    shardApply: call(SHARD_APPLY),
    advance: call(ADVANCE),
    leaderboard: call(LEADERBOARD),
    switchGeneration: call(SWITCH),
    renewLease: call(RENEW_LEASE),
    releaseLease: call(RELEASE_LEASE),
    bulkApply: call(BULK_APPLY),
  };
};
