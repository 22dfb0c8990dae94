-- Patches an existing webhook delivery and moves its due-index entry with it.
-- KEYS: 1 delivery hash, 2 due index
-- ARGV: 1 delivery id, 2.. field, value, ...
-- Returns: 1 when patched, 0 when there is no such delivery or no patch.
-- @include delivery-due
if redis.call('EXISTS', KEYS[1]) == 0 or #ARGV < 3 then return 0 end
local before = due_member(KEYS[1], ARGV[1])
if before then redis.call('ZREM', KEYS[2], before) end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
local after = due_member(KEYS[1], ARGV[1])
if after then redis.call('ZADD', KEYS[2], 0, after) end
return 1
