-- Ends a lease held with this fence, optionally keeping the session's affinity to the instance.
-- KEYS: 1 running, 2 fences, 3 tenantRunning, 4 sessions, 5 stop, 6 items
-- ARGV: 1 taskId, 2 fence, 3 affinityMs (0 = none), 4 instanceId, 5 affinityKeyPrefix
-- Returns: 1, or 0 when the fence no longer holds the lease.
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
local item = cjson.decode(redis.call('HGET', KEYS[6], ARGV[1]))
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
if redis.call('HINCRBY', KEYS[3], item[1], -1) <= 0 then redis.call('HDEL', KEYS[3], item[1]) end
if redis.call('HGET', KEYS[4], item[2]) == ARGV[1] then redis.call('HDEL', KEYS[4], item[2]) end
if tonumber(ARGV[3]) > 0 then redis.call('SET', ARGV[5] .. item[2], ARGV[4], 'PX', ARGV[3]) end
return 1
