-- Fair claim with priorities. Among tenants under their cap, those with the fewest running tasks
-- go first; within them, the highest-priority, then oldest, queued task whose session runs
-- nothing and is not held by another instance's affinity window.
-- Cost: O(T log T) for T tenants with queued work, plus, per tenant looked at, the tasks at the
-- head of its priority queue that cannot start (busy session, other instance's affinity); it
-- stops at each tenant's first task that can. It never walks the whole queue to find the order.
-- KEYS: 1 seq, 2 queued, 3 items, 4 running, 5 fences, 6 tenantRunning, 7 tenantQueued, 8 sessions, 9 sessionQueued
-- ARGV: 1 instanceId, 2 leaseMs, 3 capsJson, 4 affinityKeyPrefix, 5 tenant queue key prefix,
--       6 key marking that the tenant queues hold every queued task
-- Returns: {taskId, tenant, session, fence, priority}, or nil when nothing can be claimed.
-- @include redis-now
-- @include queue-priority
local caps = cjson.decode(ARGV[3])

-- Tasks queued by a version without tenant queues are filed into them once.
if redis.call('EXISTS', ARGV[6]) == 0 then
  local all = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do
    local raw = redis.call('HGET', KEYS[3], all[i])
    if raw then
      local item = cjson.decode(raw)
      redis.call('ZADD', ARGV[5] .. item[1], priorityScore(itemPriority(item), tonumber(all[i + 1])), all[i])
    end
  end
  redis.call('SET', ARGV[6], '1')
end

local BATCH = 64
-- The first task of this tenant's queue that may start now: id, score, item.
local function firstStartable(tenant)
  local key = ARGV[5] .. tenant
  local stale = {}
  local start = 0
  local foundId, foundScore, foundItem = nil, nil, nil
  while not foundId do
    local batch = redis.call('ZRANGE', key, start, start + BATCH - 1, 'WITHSCORES')
    if #batch == 0 then break end
    for i = 1, #batch, 2 do
      local id = batch[i]
      local raw = redis.call('HGET', KEYS[3], id)
      if not raw or not redis.call('ZSCORE', KEYS[2], id) then
        table.insert(stale, id)
      else
        local item = cjson.decode(raw)
        if redis.call('HEXISTS', KEYS[8], item[2]) == 0 then
          local holder = redis.call('GET', ARGV[4] .. item[2])
          if not holder or holder == ARGV[1] then
            foundId, foundScore, foundItem = id, tonumber(batch[i + 1]), item
            break
          end
        end
      end
    end
    start = start + BATCH
  end
  -- Entries whose task left the queue some other way; dropped after the walk so indexes hold.
  for _, id in ipairs(stale) do redis.call('ZREM', key, id) end
  return foundId, foundScore, foundItem
end

local tenants = {}
local queuedPerTenant = redis.call('HGETALL', KEYS[7])
for i = 1, #queuedPerTenant, 2 do
  local tenant = queuedPerTenant[i]
  local running = tonumber(redis.call('HGET', KEYS[6], tenant) or '0')
  local cap = caps[tenant]
  if cap == nil or running < cap then table.insert(tenants, {tenant, running}) end
end
table.sort(tenants, function(a, b) return a[2] < b[2] end)

local best, bestScore, bestItem, bestRunning = nil, nil, nil, nil
for _, entry in ipairs(tenants) do
  if best and entry[2] > bestRunning then break end
  local id, score, item = firstStartable(entry[1])
  if id and (not best or score < bestScore) then
    best, bestScore, bestItem, bestRunning = id, score, item, entry[2]
  end
end
if not best then return false end

local bestTenant, bestSession = bestItem[1], bestItem[2]
local fence = ARGV[1] .. ':' .. redis.call('INCR', KEYS[1])
redis.call('ZREM', KEYS[2], best)
redis.call('ZREM', ARGV[5] .. bestTenant, best)
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[2]), best)
redis.call('HSET', KEYS[5], best, fence)
redis.call('HINCRBY', KEYS[6], bestTenant, 1)
if redis.call('HINCRBY', KEYS[7], bestTenant, -1) <= 0 then redis.call('HDEL', KEYS[7], bestTenant) end
redis.call('HSET', KEYS[8], bestSession, best)
if redis.call('HINCRBY', KEYS[9], bestSession, -1) <= 0 then redis.call('HDEL', KEYS[9], bestSession) end
redis.call('DEL', ARGV[4] .. bestSession)
return {best, bestTenant, bestSession, fence, itemPriority(bestItem)}
