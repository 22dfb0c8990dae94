import { luaScript } from './redis-queue-client.js';

/**
 * The Lua side of the Redis queue. Every script runs atomically on the server and reads the
 * time from Redis (TIME), so leases never depend on the instances' clocks agreeing.
 * All keys a script touches share the hash tag `{<prefix>:q}` (one Cluster slot); see
 * redis-task-queue.ts for the layout and the one step that crosses slots (the fence key).
 */

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/**
 * KEYS: tenantRunning, tenantQueued, reserved(tenant), queued, running. ARGV: tenant, reservationId, bound, ttlMs, slots.
 * Running tasks count only up to one instance's slots for the tenant (`slots`): tasks running on
 * other instances must not eat the room TASK_QUEUE_MAX gives the queue, as on a single server.
 */
export const RESERVE = luaScript(`${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local running = math.min(tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0'), tonumber(ARGV[5]))
local held = running + tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') + redis.call('ZCARD', KEYS[3])
if held >= tonumber(ARGV[3]) then return {0, redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])} end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return {1, 0, 0}`);

/** KEYS: seq, queued, items, tenantQueued, sessionQueued, reserved(tenant). ARGV: taskId, tenant, session, reservationId */
export const ENQUEUE = luaScript(`
redis.call('ZREM', KEYS[6], ARGV[4])
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[1]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode({ARGV[2], ARGV[3]}))
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
return 1`);

/**
 * Fair claim. KEYS: seq, queued, items, running, fences, tenantRunning, tenantQueued, sessions,
 * sessionQueued. ARGV: instanceId, leaseMs, capsJson, affinityKeyPrefix
 */
export const CLAIM = luaScript(`${NOW}
local caps = cjson.decode(ARGV[3])
local best, bestTenant, bestSession, bestRunning = nil, nil, nil, math.huge
local runningOf = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local raw = redis.call('HGET', KEYS[3], id)
  if raw then
    local item = cjson.decode(raw)
    local tenant, session = item[1], item[2]
    if redis.call('HEXISTS', KEYS[8], session) == 0 then
      local holder = redis.call('GET', ARGV[4] .. session)
      if not holder or holder == ARGV[1] then
        local running = runningOf[tenant]
        if running == nil then
          running = tonumber(redis.call('HGET', KEYS[6], tenant) or '0')
          runningOf[tenant] = running
        end
        local cap = caps[tenant]
        if (cap == nil or running < cap) and running < bestRunning then
          best, bestTenant, bestSession, bestRunning = id, tenant, session, running
          if running == 0 then break end
        end
      end
    end
  end
end
if not best then return false end
local fence = ARGV[1] .. ':' .. redis.call('INCR', KEYS[1])
redis.call('ZREM', KEYS[2], best)
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[2]), best)
redis.call('HSET', KEYS[5], best, fence)
redis.call('HINCRBY', KEYS[6], bestTenant, 1)
if redis.call('HINCRBY', KEYS[7], bestTenant, -1) <= 0 then redis.call('HDEL', KEYS[7], bestTenant) end
redis.call('HSET', KEYS[8], bestSession, best)
if redis.call('HINCRBY', KEYS[9], bestSession, -1) <= 0 then redis.call('HDEL', KEYS[9], bestSession) end
redis.call('DEL', ARGV[4] .. bestSession)
return {best, bestTenant, bestSession, fence}`);

/** KEYS: queued, items, tenantQueued, sessionQueued. ARGV: taskId */
export const CANCEL = luaScript(`
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local item = cjson.decode(redis.call('HGET', KEYS[2], ARGV[1]))
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('HINCRBY', KEYS[3], item[1], -1) <= 0 then redis.call('HDEL', KEYS[3], item[1]) end
if redis.call('HINCRBY', KEYS[4], item[2], -1) <= 0 then redis.call('HDEL', KEYS[4], item[2]) end
return 1`);

/** An expired lease counts as lost even before anyone takes it over. KEYS: running, fences, stop. ARGV: leaseMs, then taskId, fence pairs */
export const RENEW = luaScript(`${NOW}
local out = {}
for i = 2, #ARGV, 2 do
  local id, fence = ARGV[i], ARGV[i + 1]
  local expires = redis.call('ZSCORE', KEYS[1], id)
  if expires and tonumber(expires) > now and redis.call('HGET', KEYS[2], id) == fence then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), id)
    table.insert(out, redis.call('HGET', KEYS[3], id) or '')
  else
    table.insert(out, false)
  end
end
return out`);

/** KEYS: running, fences, tenantRunning, sessions, stop, items. ARGV: taskId, fence, affinityMs, instanceId, affinityKeyPrefix */
export const FINISH = luaScript(`
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
local item = cjson.decode(redis.call('HGET', KEYS[6], ARGV[1]))
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
if redis.call('HINCRBY', KEYS[3], item[1], -1) <= 0 then redis.call('HDEL', KEYS[3], item[1]) end
if redis.call('HGET', KEYS[4], item[2]) == ARGV[1] then redis.call('HDEL', KEYS[4], item[2]) end
if tonumber(ARGV[3]) > 0 then redis.call('SET', ARGV[5] .. item[2], ARGV[4], 'PX', ARGV[3]) end
return 1`);

/** KEYS: running, items. Returns taskId, tenant, session triples. */
export const EXPIRED = luaScript(`${NOW}
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)) do
  local raw = redis.call('HGET', KEYS[2], id)
  if raw then
    local item = cjson.decode(raw)
    table.insert(out, id); table.insert(out, item[1]); table.insert(out, item[2])
  end
end
return out`);

/** Exactly one caller wins: the lease gets a new fence and a fresh expiry. KEYS: seq, running, fences, items. ARGV: taskId, instanceId, leaseMs */
export const TAKE_OVER = luaScript(`${NOW}
local expires = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not expires or tonumber(expires) > now then return false end
local fence = ARGV[2] .. ':' .. redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[3], ARGV[1], fence)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
local item = cjson.decode(redis.call('HGET', KEYS[4], ARGV[1]))
return {ARGV[1], item[1], item[2], fence}`);

/** KEYS: running, stop. ARGV: taskId, reason */
export const REQUEST_STOP = luaScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
return 1`);
