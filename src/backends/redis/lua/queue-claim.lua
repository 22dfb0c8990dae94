-- Fair claim with priorities. Among tenants under their cap, those with the fewest running tasks
-- go first; within them, the highest-priority, then oldest, queued task whose session runs
-- nothing and is not held by another instance's affinity window.
-- Layout: sq:<session> holds a session's queued tasks by score (priority, then enqueue order);
-- tq:<tenant> holds the tenant's sessions that have queued tasks, by the score of their head.
-- Cost: O(T log T) for the T tenants with queued work, plus, for each tenant looked at, the
-- sessions at the head of its tq it must step over (those running a task or held by another
-- instance's affinity: at most its running tasks plus its affinity windows). It never walks the
-- queued tasks themselves, however many wait behind a busy session.
-- KEYS: 1 seq, 2 queued, 3 items, 4 running, 5 fences, 6 tenantRunning, 7 tenantQueued, 8 sessions, 9 sessionQueued
-- ARGV: 1 instanceId, 2 leaseMs, 3 capsJson, 4 affinityKeyPrefix, 5 tenant queue key prefix,
--       6 key marking that the tenant and session queues hold every queued task,
--       7 session queue key prefix
-- Returns: {taskId, tenant, session, fence, priority}, or nil when nothing can be claimed.
-- @include redis-now
-- @include queue-priority
local caps = cjson.decode(ARGV[3])
local tqPrefix, sqPrefix = ARGV[5], ARGV[7]

-- Tasks queued by a version without these queues are filed into them once, in their order.
if redis.call('EXISTS', ARGV[6]) == 0 then
  local all = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do
    local raw = redis.call('HGET', KEYS[3], all[i])
    if raw then
      local item = cjson.decode(raw)
      redis.call('ZADD', sqPrefix .. item[2], priorityScore(itemPriority(item), tonumber(all[i + 1])), all[i])
      refreshSessionHead(tqPrefix .. item[1], sqPrefix .. item[2], item[2])
    end
  end
  redis.call('SET', ARGV[6], '1')
end

-- The first task of a session's queue still queued (dropping entries that left some other way).
local function sessionHead(session)
  local key = sqPrefix .. session
  while true do
    local head = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    if #head == 0 then return nil end
    local raw = redis.call('HGET', KEYS[3], head[1])
    if raw and redis.call('ZSCORE', KEYS[2], head[1]) then return head[1], tonumber(head[2]), cjson.decode(raw) end
    redis.call('ZREM', key, head[1])
  end
end

-- The best task of this tenant that may start now: id, score, item.
local function firstStartable(tenant)
  local key = tqPrefix .. tenant
  local emptied = {}
  local start, size = 0, 4
  local foundId, foundScore, foundItem = nil, nil, nil
  while not foundId do
    -- Usually the first session can start; read more only while they cannot.
    local batch = redis.call('ZRANGE', key, start, start + size - 1)
    if #batch == 0 then break end
    for _, session in ipairs(batch) do
      if redis.call('HEXISTS', KEYS[8], session) == 0 then
        local holder = redis.call('GET', ARGV[4] .. session)
        if not holder or holder == ARGV[1] then
          local id, score, item = sessionHead(session)
          if id then
            foundId, foundScore, foundItem = id, score, item
            break
          end
          table.insert(emptied, session)
        end
      end
    end
    start = start + size
    size = math.min(size * 2, 256)
  end
  -- Sessions left with no queued task; dropped after the walk so the indexes above hold.
  for _, session in ipairs(emptied) do redis.call('ZREM', key, session) end
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
redis.call('ZREM', sqPrefix .. bestSession, best)
refreshSessionHead(tqPrefix .. bestTenant, sqPrefix .. bestSession, bestSession)
redis.call('ZADD', KEYS[4], now + tonumber(ARGV[2]), best)
redis.call('HSET', KEYS[5], best, fence)
redis.call('HINCRBY', KEYS[6], bestTenant, 1)
if redis.call('HINCRBY', KEYS[7], bestTenant, -1) <= 0 then redis.call('HDEL', KEYS[7], bestTenant) end
redis.call('HSET', KEYS[8], bestSession, best)
if redis.call('HINCRBY', KEYS[9], bestSession, -1) <= 0 then redis.call('HDEL', KEYS[9], bestSession) end
redis.call('DEL', ARGV[4] .. bestSession)
return {best, bestTenant, bestSession, fence, itemPriority(bestItem)}
