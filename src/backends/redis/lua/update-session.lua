-- Patches an existing session record.
-- KEYS: 1 session hash
-- ARGV: field, value, ...
-- Returns: the stored fields, or nil when there is no such session.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV >= 2 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
