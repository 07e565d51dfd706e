/**
 * The Redis webhook store's atomic steps, as Lua (each runs alone on the server). KEYS[1] is the
 * endpoint index, named so a cluster routes every script to the slot all the store's keys share;
 * ARGV[1] is the key base the other keys are built from. A delivery record (JSON in `dl:<endpoint>`)
 * holds t type, s stream, p position, b body (dropped once delivered or given up), o occurredAt,
 * st status, a attempts, n next attempt (ms), f first queued (ISO). `heads` scores each (endpoint,
 * stream) queue (`<endpoint>\0<stream>`) with when its head may next be claimed: its retry time,
 * the end of a lease, or +inf while its endpoint is disabled.
 */

/** ARGV: base, mode (enqueue | requeue), now ms, now ISO, then 8 per delivery. */
export const ENQUEUE = `
local K, mode, nowMs, nowIso = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
for i = 5, #ARGV, 8 do
  local ep, id, typ, stream, pos, body, occ, occMs = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7]
  if redis.call('EXISTS', K .. 'ep:' .. ep) == 1 then
    local dl = K .. 'dl:' .. ep
    local old = redis.call('HGET', dl, id)
    if (not old) or mode == 'requeue' then
      local wasPending = old and cjson.decode(old).st == 'pending'
      redis.call('HSET', dl, id, cjson.encode({ t = typ, s = stream, p = pos, b = body, o = occ, st = 'pending', a = 0, n = nowMs, f = nowIso }))
      if not wasPending then
        local q = K .. 'q:' .. ep .. ':' .. stream
        local head = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
        redis.call('ZADD', q, pos, id)
        redis.call('SADD', K .. 'qs:' .. ep, stream)
        redis.call('ZADD', K .. 'pending', occMs, ep .. '\\0' .. id)
        if #head == 0 or tonumber(pos) < tonumber(head[2]) then redis.call('ZADD', K .. 'heads', nowMs, ep .. '\\0' .. stream) end
      end
    end
  end
end
return 0
`;

/** ARGV: base, now ms, limit, lease end ms, then the busy endpoints. Answers endpoint, event id, record, for each claimed. */
export const CLAIM = `
local K, now, limit, leaseUntil = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local busy = {}
for i = 5, #ARGV do busy[ARGV[i]] = true end
local heads = K .. 'heads'
local out = {}
local taken, skipped = 0, 0
while taken < limit do
  local batch = redis.call('ZRANGEBYSCORE', heads, '-inf', now, 'LIMIT', skipped, limit - taken)
  if #batch == 0 then break end
  for _, qk in ipairs(batch) do
    local sep = string.find(qk, '\\0', 1, true)
    local ep, stream = string.sub(qk, 1, sep - 1), string.sub(qk, sep + 1)
    local head = redis.call('ZRANGE', K .. 'q:' .. ep .. ':' .. stream, 0, 0)[1]
    local status = redis.call('HGET', K .. 'ep:' .. ep, 'status')
    if busy[ep] then
      skipped = skipped + 1
    elseif not head or not status then
      redis.call('ZREM', heads, qk)
    elseif status ~= 'enabled' then
      redis.call('ZADD', heads, '+inf', qk)
    else
      redis.call('ZADD', heads, leaseUntil, qk)
      taken = taken + 1
      out[#out + 1] = ep
      out[#out + 1] = head
      out[#out + 1] = redis.call('HGET', K .. 'dl:' .. ep, head)
    end
  end
end
return out
`;

/**
 * ARGV: base, endpoint, event id, new status (delivered | pending | failed), attempt, retry ms or
 * '', the attempt's log entry, succeeded (1 | 0), disable if failing since at or before (ms),
 * attempt time ISO, attempt time ms, log length kept. Answers -1 (nothing recorded), 0, or 1 (disabled).
 */
export const RECORD = `
local K, ep, id, status = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local dl = K .. 'dl:' .. ep
local raw = redis.call('HGET', dl, id)
if not raw then return -1 end
local d = cjson.decode(raw)
if d.st ~= 'pending' then return -1 end
local q = K .. 'q:' .. ep .. ':' .. d.s
local qk = ep .. '\\0' .. d.s
local headBefore = redis.call('ZRANGE', q, 0, 0)[1]
d.a = tonumber(ARGV[5])
if status == 'pending' then
  d.n = tonumber(ARGV[6])
else
  d.st = status
  d.b = nil
  redis.call('ZREM', q, id)
  redis.call('ZREM', K .. 'pending', ep .. '\\0' .. id)
  if redis.call('ZCARD', q) == 0 then redis.call('SREM', K .. 'qs:' .. ep, d.s) end
end
redis.call('HSET', dl, id, cjson.encode(d))
local log = K .. 'log:' .. ep
redis.call('LPUSH', log, ARGV[7])
redis.call('LTRIM', log, 0, tonumber(ARGV[12]) - 1)
if headBefore == id then
  local nextId = redis.call('ZRANGE', q, 0, 0)[1]
  if nextId then
    redis.call('ZADD', K .. 'heads', cjson.decode(redis.call('HGET', dl, nextId)).n, qk)
  else
    redis.call('ZREM', K .. 'heads', qk)
  end
end
local epk = K .. 'ep:' .. ep
if ARGV[8] == '1' then
  redis.call('HDEL', epk, 'failingSince', 'failingSinceMs')
  return 0
end
local current = redis.call('HGET', epk, 'status')
if not current then return 0 end
local since = redis.call('HGET', epk, 'failingSince')
local sinceMs = tonumber(redis.call('HGET', epk, 'failingSinceMs'))
if not since then
  since, sinceMs = ARGV[10], tonumber(ARGV[11])
  redis.call('HSET', epk, 'failingSince', since, 'failingSinceMs', sinceMs)
end
if current == 'enabled' and sinceMs <= tonumber(ARGV[9]) then
  redis.call('HSET', epk, 'status', 'disabled', 'disabledAt', ARGV[10], 'disabledReason', 'every delivery failed since ' .. since)
  return 1
end
return 0
`;

/** ARGV: base, endpoint. Answers 1, or 0 when there was none. */
export const DELETE_ENDPOINT = `
local K, ep = ARGV[1], ARGV[2]
if redis.call('ZREM', KEYS[1], ep) == 0 then return 0 end
for _, stream in ipairs(redis.call('SMEMBERS', K .. 'qs:' .. ep)) do
  local q = K .. 'q:' .. ep .. ':' .. stream
  for _, id in ipairs(redis.call('ZRANGE', q, 0, -1)) do redis.call('ZREM', K .. 'pending', ep .. '\\0' .. id) end
  redis.call('ZREM', K .. 'heads', ep .. '\\0' .. stream)
  redis.call('DEL', q)
end
redis.call('DEL', K .. 'qs:' .. ep, K .. 'dl:' .. ep, K .. 'log:' .. ep, K .. 'ep:' .. ep)
return 1
`;

/** ARGV: base, endpoint. Enabled, its failing streak forgotten, its parked heads due again. */
export const ENABLE_ENDPOINT = `
local K, ep = ARGV[1], ARGV[2]
local epk = K .. 'ep:' .. ep
if redis.call('EXISTS', epk) == 0 then return 0 end
redis.call('HSET', epk, 'status', 'enabled')
redis.call('HDEL', epk, 'disabledReason', 'disabledAt', 'failingSince', 'failingSinceMs')
for _, stream in ipairs(redis.call('SMEMBERS', K .. 'qs:' .. ep)) do
  local qk = ep .. '\\0' .. stream
  local head = redis.call('ZRANGE', K .. 'q:' .. ep .. ':' .. stream, 0, 0)[1]
  local score = redis.call('ZSCORE', K .. 'heads', qk)
  if head and (not score or score == 'inf') then
    redis.call('ZADD', K .. 'heads', cjson.decode(redis.call('HGET', K .. 'dl:' .. ep, head)).n, qk)
  end
end
return 1
`;

/** ARGV: base, endpoint, the secrets as read, the secrets to write. Answers -1 (no endpoint), 0 (changed meanwhile), 1. */
export const SWAP_SECRETS = `
local epk = ARGV[1] .. 'ep:' .. ARGV[2]
local current = redis.call('HGET', epk, 'secrets')
if not current then return -1 end
if current ~= ARGV[3] then return 0 end
redis.call('HSET', epk, 'secrets', ARGV[4])
return 1
`;
