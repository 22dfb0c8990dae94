-- Takes over an expired lease. Exactly one caller wins: the lease gets a new fence and a fresh expiry.
-- KEYS: 1 seq, 2 running, 3 fences, 4 items
-- ARGV: 1 taskId, 2 instanceId, 3 leaseMs
-- Returns: {taskId, tenant, session, fence, priority}, or nil when the lease is not expired (or gone).
-- @include redis-now
-- @include queue-priority
local expires = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not expires or tonumber(expires) > now then return false end
local fence = ARGV[2] .. ':' .. redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[3], ARGV[1], fence)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), ARGV[1])
local item = cjson.decode(redis.call('HGET', KEYS[4], ARGV[1]))
return {ARGV[1], item[1], item[2], fence, itemPriority(item)}
