-- Queues a task (FIFO), turning its reservation into a queued item.
-- KEYS: 1 seq, 2 queued, 3 items, 4 tenantQueued, 5 sessionQueued, 6 reserved(tenant)
-- ARGV: 1 taskId, 2 tenant, 3 session, 4 reservationId ('' for a requeue)
-- Returns: 1, or 0 when the task is already known.
redis.call('ZREM', KEYS[6], ARGV[4])
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[1]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], cjson.encode({ARGV[2], ARGV[3]}))
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
redis.call('HINCRBY', KEYS[5], ARGV[3], 1)
return 1
