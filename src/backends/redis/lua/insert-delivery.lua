-- Inserts a webhook delivery if absent, indexed under its task and, while pending, by due time.
-- KEYS: 1 delivery hash, 2 the task's deliveries, 3 due index
-- ARGV: 1 delivery id, 2 created_at, 3.. field, value, ...
-- Returns: 1 when inserted, 0 when it existed.
-- @include delivery-due
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], 0, ARGV[2] .. '\0' .. ARGV[1])
local due = due_member(KEYS[1], ARGV[1])
if due then redis.call('ZADD', KEYS[3], 0, due) end
return 1
