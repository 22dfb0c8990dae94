-- A queued task's score in its tenant's queue (tq:<tenant>): priority 9 first, 0 last, then
-- enqueue order. Scores stay integers below 2^53, so ZADD keeps them exact.
local function priorityScore(priority, seq)
  return (9 - priority) * 1000000000000 + seq
end
-- Items are [tenant, session, priority]; those queued before priorities existed have no third.
local function itemPriority(item)
  local p = tonumber(item[3])
  if p == nil or p < 0 or p > 9 or p % 1 ~= 0 then return 5 end
  return p
end
-- Each session's queued tasks are in sq:<session> (by score); its tenant's tq:<tenant> holds the
-- session with the score of its first task, so a claim steps over busy sessions, not their tasks.
local function refreshSessionHead(tenantQueueKey, sessionQueueKey, session)
  local head = redis.call('ZRANGE', sessionQueueKey, 0, 0, 'WITHSCORES')
  if #head == 0 then
    redis.call('ZREM', tenantQueueKey, session)
  else
    redis.call('ZADD', tenantQueueKey, head[2], session)
  end
end
