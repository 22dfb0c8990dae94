-- Removes a queued (not running) task.
-- KEYS: 1 queued, 2 items, 3 tenantQueued, 4 sessionQueued
-- ARGV: 1 taskId, 2 tenant queue key prefix, 3 session queue key prefix
-- Returns: 1 when it was queued, else 0.
-- @include queue-priority
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local item = cjson.decode(redis.call('HGET', KEYS[2], ARGV[1]))
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', ARGV[3] .. item[2], ARGV[1])
refreshSessionHead(ARGV[2] .. item[1], ARGV[3] .. item[2], item[2])
if redis.call('HINCRBY', KEYS[3], item[1], -1) <= 0 then redis.call('HDEL', KEYS[3], item[1]) end
if redis.call('HINCRBY', KEYS[4], item[2], -1) <= 0 then redis.call('HDEL', KEYS[4], item[2]) end
return 1
