import type { RedisClient } from './client';
import { LUA_POSITION_BEFORE } from '../positions';

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
 * Lua: a batch of events applied in order to the shards it names, each event atomically in each
 * shard: dedupe check, the event's changes that belong to this shard, dedupe record, and on the
 * event's home shard (its stream's) the counters. Stops at the first failing command, so the events
 * before it are applied and none after it is. `batch` is ARGV's JSON [events, parts]:
 *   events: [kind ('a' apply, 's' skip, 'g' skip left unrecorded: a dead letter past a revision
 *     gap, see ApplyScript), category, streamId, revision], once per event;
 *   parts: [eventIndex (1-based), dedupeKeyIndex, counterKeyIndex (0 when this is not the event's
 *     home shard), changes: [[op, keyIndex, ...], ...]], one per event and shard;
 * every number but indexes a string (cjson would make doubles of them). Returns [per part 1 (applied)
 * or 0 (already applied), revision gaps as a flat list partIndex, last revision ('' for none), ...],
 * or nil and an error before anything is written when a part is bad. The home shard's dedupe record
 * holds every revision of its stream, so a new revision there past the last one + 1 is a gap: an
 * event missing before it, or a message Zan never published (counted as `gaps`, and told).
 */
const LUA_APPLY_PARTS = `${LUA_APPLY_CHANGE}
local known = { hset = true, hincrby = true, zincrby = true, zadd = true, ztrim = true }
local function apply_parts(batch)
  local events, parts = batch[1], batch[2]
  for _, p in ipairs(parts) do
    if not events[p[1]] or not KEYS[p[2]] or (p[3] ~= 0 and not KEYS[p[3]]) then return nil, 'zan: bad event, dedupe or counter key' end
    for _, c in ipairs(p[4]) do
      -- Redis keeps the writes of a script that fails half-way, so refuse before the first write.
      if not known[c[1]] or not KEYS[c[2]] then return nil, 'zan: bad change ' .. tostring(c[1]) end
    end
  end
  local results, gaps = {}, {}
  for i, p in ipairs(parts) do
    local e = events[p[1]]
    local kind, category, stream, revision = e[1], e[2], e[3], e[4]
    local dedupe, counters = KEYS[p[2]], p[3]
    local fresh = 1
    local last = redis.call('HGET', dedupe, stream)
    if last and tonumber(last) >= tonumber(revision) then fresh = 0 end
    if fresh == 1 then
      -- Every op was checked above: apply_change writes each one.
      for _, c in ipairs(p[4]) do apply_change(c) end
      if kind ~= 'g' then redis.call('HSET', dedupe, stream, revision) end
      if counters ~= 0 then
        local counter = kind == 'a' and 'applied' or 'skipped'
        redis.call('HINCRBY', KEYS[counters], counter, 1)
        redis.call('HINCRBY', KEYS[counters], counter .. ':' .. category, 1)
        if tonumber(revision) > (last and tonumber(last) or -1) + 1 then
          redis.call('HINCRBY', KEYS[counters], 'gaps', 1)
          redis.call('HINCRBY', KEYS[counters], 'gaps:' .. category, 1)
          gaps[#gaps + 1] = i
          gaps[#gaps + 1] = last or ''
        end
      end
    end
    results[i] = fresh
  end
  return { results, gaps }
end
`;

/**
 * Lua: moves the watermark of a generation along the prevPosition chain over a batch's links
 * [position, prevPosition, category ('' when the event is counted in its shard)], positions as
 * strings; a link ahead of the watermark waits in watermark-pending (prevPosition -> position) until
 * the chain reaches it. KEYS 2 watermark, 3 watermark-pending, 4 the control slot's counters (skips
 * that name no stream are counted there: they touch no shard). The watermark is read and written once
 * per batch, and the pending links are looked up only when there are any. Idempotent: a link the
 * chain has passed changes nothing. Returns per link 1 (new to the chain) or 0 (already passed).
 */
const LUA_ADVANCE_LINKS = `${LUA_POSITION_BEFORE}
local function advance_links(links)
  local mark_key, pending_key = KEYS[2], KEYS[3]
  local start = redis.call('GET', mark_key) or '0'
  local mark = start
  local waiting = redis.call('EXISTS', pending_key) == 1
  local results = {}
  for i, link in ipairs(links) do
    local position, prev = link[1], link[2]
    local moved = 0
    if prev == mark then
      mark = position
      moved = 1
      if waiting then
        local nxt = redis.call('HGET', pending_key, mark)
        while nxt do
          redis.call('HDEL', pending_key, mark)
          if not position_before(mark, nxt) then break end
          mark = nxt
          nxt = redis.call('HGET', pending_key, mark)
        end
      end
    elseif position_before(mark, prev) and redis.call('HGET', pending_key, prev) ~= position then
      redis.call('HSET', pending_key, prev, position)
      waiting = true
      moved = 1
    end
    if moved == 1 and link[3] ~= '' then
      redis.call('HINCRBY', KEYS[4], 'skipped', 1)
      redis.call('HINCRBY', KEYS[4], 'skipped:' .. link[3], 1)
    end
    results[i] = moved
  end
  if mark ~= start then redis.call('SET', mark_key, mark) end
  return results
end
`;

/**
 * A batch's parts in ONE shard (every key in one hash slot; see LUA_APPLY_PARTS). The watermark moves
 * afterwards (ADVANCE_SCRIPT), once every shard has the batch.
 * KEYS: 1.. dedupe, counter and change keys. ARGV: 1 the batch as JSON [events, parts].
 */
export const SHARD_APPLY_SCRIPT = `${LUA_APPLY_PARTS}
local applied, problem = apply_parts(cjson.decode(ARGV[1]))
if not applied then return redis.error_reply(problem) end
return applied
`;

/**
 * Moves the watermark of a generation over a batch whose changes every shard already has, in the
 * control slot, when the guard allows writes to the generation (see LUA_ADVANCE_LINKS).
 * KEYS: 1 the guard key, 2 watermark, 3 watermark-pending, 4 the control slot's counters.
 * ARGV: 1 the generation written, 2 the guard's value when it is unset, 3 the links as JSON.
 * The guard makes a write to a generation that no longer takes writes impossible: the active
 * generation's pointer for the live store, the rebuild's lease for a generation being built.
 * Returns -1 when the guard does not hold ARGV[1] (nothing written), else per link 1 or 0.
 */
export const ADVANCE_SCRIPT = `${LUA_ADVANCE_LINKS}
local guard = redis.call('GET', KEYS[1]) or ARGV[2]
if guard ~= ARGV[1] then return -1 end
return advance_links(cjson.decode(ARGV[3]))
`;

/**
 * On a single Redis, where one script may span slots: a whole batch in one call, its shards' parts
 * then the watermark, and the waiters told. The same keys and writes as SHARD_APPLY_SCRIPT per shard
 * then ADVANCE_SCRIPT, with one round trip instead of three, and nothing written when the guard
 * refuses the generation.
 * KEYS: 1-4 as ADVANCE_SCRIPT, 5.. the parts' keys. ARGV: 1 the generation, 2 the guard's value when
 * unset, 3 the parts (LUA_APPLY_PARTS), 4 the links (LUA_ADVANCE_LINKS), 5 the channel to PUBLISH to
 * when anything was new ('' for none).
 * Returns -1 when the guard does not hold ARGV[1], else [per part 1 or 0, per link 1 or 0, the parts' revision gaps].
 */
export const ONE_NODE_APPLY_SCRIPT = `${LUA_APPLY_PARTS}${LUA_ADVANCE_LINKS}
local guard = redis.call('GET', KEYS[1]) or ARGV[2]
if guard ~= ARGV[1] then return -1 end
local applied, problem = apply_parts(cjson.decode(ARGV[3]))
if not applied then return redis.error_reply(problem) end
local fresh = applied[1]
local moved = advance_links(cjson.decode(ARGV[4]))
local function any_new(results)
  for _, result in ipairs(results) do
    if result == 1 then return true end
  end
  return false
end
if ARGV[5] ~= '' and (any_new(fresh) or any_new(moved)) then redis.call('PUBLISH', ARGV[5], '') end
return { fresh, moved, applied[2] }
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
const ONE_NODE_APPLY = 'zanReadModelOneNodeApply';
const ADVANCE = 'zanReadModelAdvance';
const LEADERBOARD = 'zanReadModelLeaderboard';
const SWITCH = 'zanReadModelSwitch';
const RENEW_LEASE = 'zanReadModelRenewLease';
const RELEASE_LEASE = 'zanReadModelReleaseLease';
const BULK_APPLY = 'zanReadModelBulkApply';

type ScriptCall<R> = (...args: (string | number)[]) => Promise<R>;

/** The scripts above, callable on one connection (see defineScripts), and the one plain read the writer makes. */
export interface ReadModelScripts {
  shardApply: ScriptCall<[number[], (number | string)[]]>;
  oneNodeApply: ScriptCall<-1 | [number[], number[], (number | string)[]]>;
  advance: ScriptCall<number | number[]>;
  leaderboard: ScriptCall<string[]>;
  switchGeneration: ScriptCall<number>;
  renewLease: ScriptCall<number>;
  releaseLease: ScriptCall<number>;
  bulkApply: ScriptCall<number>;
  /** The last revision a dedupe hash holds for a stream (null: none). */
  lastRevision(dedupeKey: string, streamId: string): Promise<string | null>;
}

/** Loads the scripts on the connection (EVALSHA, EVAL once when Redis does not know one yet). */
export const defineScripts = (redis: RedisClient): ReadModelScripts => {
  redis.defineCommand(SHARD_APPLY, { lua: SHARD_APPLY_SCRIPT });
  redis.defineCommand(ONE_NODE_APPLY, { lua: ONE_NODE_APPLY_SCRIPT });
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
    oneNodeApply: call(ONE_NODE_APPLY),
    advance: call(ADVANCE),
    leaderboard: call(LEADERBOARD),
    switchGeneration: call(SWITCH),
    renewLease: call(RENEW_LEASE),
    releaseLease: call(RELEASE_LEASE),
    bulkApply: call(BULK_APPLY),
    lastRevision: (dedupeKey, streamId) => redis.hget(dedupeKey, streamId),
  };
};
