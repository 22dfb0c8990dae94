-- Deletes a trigger and its entry in its tenant's index.
-- KEYS: 1 trigger hash, 2 the tenant's trigger index
-- ARGV: 1 index member (created_at NUL id)
-- Returns: 1 when it existed, else 0.
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
