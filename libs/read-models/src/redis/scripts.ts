import { LUA_POSITION_BEFORE } from '../positions';

/**
 * One event, applied atomically: dedupe check, changes, dedupe record, watermark.
 * KEYS: 1 applied:<category>, 2 watermark, 3 watermark-pending, 4.. the keys the changes name.
 * ARGV: 1 streamId, 2 revision, 3 position, 4 prevPosition, 5 changes as JSON arrays
 *   [op, keyIndex, ...] with every number already a string (cjson would make doubles of them).
 * Positions stay strings: Lua numbers are doubles and positions pass 2^53.
 * Returns 1 when applied, 0 when the stream's revision was already applied in this category.
 */
export const APPLY_SCRIPT = `${LUA_POSITION_BEFORE}
local last = redis.call('HGET', KEYS[1], ARGV[1])
if last and tonumber(last) >= tonumber(ARGV[2]) then return 0 end

local changes = cjson.decode(ARGV[5])
local known = { hset = true, hincrby = true, zincrby = true, zadd = true, ztrim = true }
for _, c in ipairs(changes) do
  -- Redis keeps the writes of a script that fails half-way, so refuse before the first write.
  if not known[c[1]] or not KEYS[c[2]] then return redis.error_reply('zan: bad change ' .. tostring(c[1])) end
end
for _, c in ipairs(changes) do
  local op, key = c[1], KEYS[c[2]]
  if op == 'hset' then redis.call('HSET', key, unpack(c[3]))
  elseif op == 'hincrby' then redis.call('HINCRBY', key, c[3], c[4])
  elseif op == 'zincrby' then redis.call('ZINCRBY', key, c[4], c[3])
  elseif op == 'zadd' then redis.call('ZADD', key, c[4], c[3])
  elseif op == 'ztrim' then redis.call('ZREMRANGEBYRANK', key, 0, -1 - tonumber(c[3]))
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])

local mark = redis.call('GET', KEYS[2]) or '0'
local position, prev = ARGV[3], ARGV[4]
if prev == mark then
  mark = position
  local nxt = redis.call('HGET', KEYS[3], mark)
  while nxt do
    redis.call('HDEL', KEYS[3], mark)
    if not position_before(mark, nxt) then break end
    mark = nxt
    nxt = redis.call('HGET', KEYS[3], mark)
  end
  redis.call('SET', KEYS[2], mark)
elseif position_before(mark, prev) then
  redis.call('HSET', KEYS[3], prev, position)
end
return 1
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
