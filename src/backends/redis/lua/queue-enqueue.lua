-- Queues a task, turning its reservation into a queued item: FIFO in `queued`, and in its
-- session's queue by priority, then FIFO (its tenant's queue then ranks the session's head).
-- KEYS: 1 seq, 2 queued, 3 items, 4 tenantQueued, 5 sessionQueued, 6 reserved(tenant)
-- ARGV: 1 taskId, 2 tenant, 3 session, 4 reservationId ('' for a requeue), 5 priority (0..9),
--       6 tenant queue key prefix, 7 session queue key prefix (both share the queue's hash tag)
-- Returns: 1, or 0 when the task is already known.
-- @include queue-priority
redis.call('ZREM', KEYS[6], ARGV[4])
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
local priority = itemPriority({ARGV[2], ARGV[3], ARGV[5]})
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
redis.call('ZADD', ARGV[7] .. ARGV[3], priorityScore(priority, seq), ARGV[1])
refreshSessionHead(ARGV[6] .. ARGV[2], ARGV[7] .. ARGV[3], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode({ARGV[2], ARGV[3], priority}))
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
return 1
