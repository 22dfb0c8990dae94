-- Holds room for one submission of a tenant, or refuses when the tenant's bound is reached.
-- Running tasks count only up to one instance's slots for the tenant (`slots`): tasks running on
-- other instances must not eat the room TASK_QUEUE_MAX gives the queue, as on a single server.
-- KEYS: 1 tenantRunning, 2 tenantQueued, 3 reserved(tenant), 4 queued, 5 running
-- ARGV: 1 tenant, 2 reservationId, 3 bound, 4 ttlMs, 5 slots
-- Returns: {1, 0, 0}, or {0, queued, running} when full.
-- @include redis-now
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
local running = math.min(tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0'), tonumber(ARGV[5]))
local held = running + tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0') + redis.call('ZCARD', KEYS[3])
if held >= tonumber(ARGV[3]) then return {0, redis.call('ZCARD', KEYS[4]), redis.call('ZCARD', KEYS[5])} end
redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return {1, 0, 0}
