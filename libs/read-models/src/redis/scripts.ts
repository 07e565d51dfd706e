import type Redis from 'ioredis';
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
 * A batch of events applied in order, each one atomically: dedupe check, changes, dedupe record,
 * watermark, counters. The script stops at the first failing command, so the events before it are
 * applied and none after it is.
 * KEYS: 1 the guard key, 2 watermark, 3 watermark-pending, 4 stats, 5.. dedupe and change keys.
 * ARGV: 1 the generation written, 2 the guard's value when it is unset, 3 the batch as JSON:
 *   [kind ('a' apply, 's' skip), dedupeKeyIndex, category, streamId ('' unknown), revision ('' unknown),
 *    position, prevPosition, changes: [[op, keyIndex, ...], ...]], every number but key indexes a string
 *   (cjson would make doubles of them).
 * The guard makes a write to a generation that no longer takes writes impossible: the active
 * generation's pointer for the live store, the rebuild's lease for a generation being built.
 * Returns -1 when the guard does not hold ARGV[1] (nothing written), else 1 (applied) or 0 (already
 * applied) per event. Positions stay strings: Lua numbers are doubles and positions pass 2^53.
 */
export const APPLY_SCRIPT = `${LUA_POSITION_BEFORE}${LUA_ADVANCE}${LUA_APPLY_CHANGE}
local guard = redis.call('GET', KEYS[1]) or ARGV[2]
if guard ~= ARGV[1] then return -1 end

local batch = cjson.decode(ARGV[3])
local known = { hset = true, hincrby = true, zincrby = true, zadd = true, ztrim = true }
for _, e in ipairs(batch) do
  if not KEYS[e[2]] then return redis.error_reply('zan: bad dedupe key') end
  for _, c in ipairs(e[8]) do
    -- Redis keeps the writes of a script that fails half-way, so refuse before the first write.
    if not known[c[1]] or not KEYS[c[2]] then return redis.error_reply('zan: bad change ' .. tostring(c[1])) end
  end
end

local results = {}
for i, e in ipairs(batch) do
  local kind, dedupe, category, stream, revision, position, prev = e[1], KEYS[e[2]], e[3], e[4], e[5], e[6], e[7]
  local fresh = 1
  if stream ~= '' then
    local last = redis.call('HGET', dedupe, stream)
    if last and tonumber(last) >= tonumber(revision) then fresh = 0 end
  end
  if fresh == 1 then
    -- Every op was checked above: apply_change writes each one.
    for _, c in ipairs(e[8]) do apply_change(c) end
    if stream ~= '' then redis.call('HSET', dedupe, stream, revision) end
    local moved = advance(KEYS[2], KEYS[3], position, prev)
    -- A skip that names no stream is only a link of the chain: new when the chain had not passed it.
    if stream == '' then fresh = moved end
  end
  if fresh == 1 then
    local counter = kind == 'a' and 'applied' or 'skipped'
    redis.call('HINCRBY', KEYS[4], counter, 1)
    redis.call('HINCRBY', KEYS[4], counter .. ':' .. category, 1)
  end
  results[i] = fresh
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

const APPLY = 'zanReadModelApply';
const LEADERBOARD = 'zanReadModelLeaderboard';
const SWITCH = 'zanReadModelSwitch';
const RENEW_LEASE = 'zanReadModelRenewLease';
const RELEASE_LEASE = 'zanReadModelReleaseLease';
const BULK_APPLY = 'zanReadModelBulkApply';

type ScriptCall<R> = (...args: (string | number)[]) => Promise<R>;

/** The scripts above, callable on one connection (see defineScripts). */
export interface ReadModelScripts {
  apply: ScriptCall<number | number[]>;
  leaderboard: ScriptCall<string[]>;
  switchGeneration: ScriptCall<number>;
  renewLease: ScriptCall<number>;
  releaseLease: ScriptCall<number>;
  bulkApply: ScriptCall<number>;
}

/** Loads the scripts on the connection (EVALSHA, EVAL once when Redis does not know one yet). */
export const defineScripts = (redis: Redis): ReadModelScripts => {
  redis.defineCommand(APPLY, { lua: APPLY_SCRIPT });
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
    apply: call(APPLY),
    leaderboard: call(LEADERBOARD),
    switchGeneration: call(SWITCH),
    renewLease: call(RENEW_LEASE),
    releaseLease: call(RELEASE_LEASE),
    bulkApply: call(BULK_APPLY),
  };
};
