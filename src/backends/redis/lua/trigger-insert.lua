-- Stores a new trigger and lists it under its tenant, unless the id is taken.
-- KEYS: 1 trigger hash, 2 the tenant's trigger index
-- ARGV: 1 trigger id, 2 index member (created_at NUL id), 3.. field, json, field, json...
-- Returns: 1 when stored, 0 when the id was taken.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return 1
