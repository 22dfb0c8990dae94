-- Fair claim: the oldest queued task of the tenant with the fewest running tasks, under its cap,
-- whose session runs nothing and is not held by another instance's affinity window.
-- KEYS: 1 seq, 2 queued, 3 items, 4 running, 5 fences, 6 tenantRunning, 7 tenantQueued, 8 sessions, 9 sessionQueued
-- ARGV: 1 instanceId, 2 leaseMs, 3 capsJson, 4 affinityKeyPrefix
-- Returns: {taskId, tenant, session, fence}, or nil when nothing can be claimed.
-- @include redis-now
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
return {best, bestTenant, bestSession, fence}
