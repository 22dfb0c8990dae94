-- Inserts a session record if absent, indexed by (created_at, id).
-- KEYS: 1 session hash, 2 session index
-- ARGV: 1 session id, 2.. field, value, ...
-- Returns: {1}, or {0, stored fields...} when the session exists.
-- @include session-member
if redis.call('EXISTS', KEYS[1]) == 1 then
  return { 0, redis.call('HGETALL', KEYS[1]) }
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], 0, member(KEYS[1], ARGV[1]))
return { 1 }
