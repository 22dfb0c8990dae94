-- Deletes a session record and its index entry.
-- KEYS: 1 session hash, 2 session index
-- ARGV: 1 session id
-- Returns: 1 when it existed, else 0.
-- @include session-member
local m = member(KEYS[1], ARGV[1])
if not m then return 0 end
redis.call('ZREM', KEYS[2], m)
redis.call('DEL', KEYS[1])
return 1
