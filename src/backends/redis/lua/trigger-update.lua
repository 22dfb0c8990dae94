-- Changes fields of a trigger that still exists (a rotate or a fire never brings a deleted one back).
-- KEYS: 1 trigger hash
-- ARGV: 1 how much fire_count grows (0 or 1), 2.. field, json, field, json...
-- Returns: 1 when it existed, else 0.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end
if tonumber(ARGV[1]) > 0 then redis.call('HINCRBY', KEYS[1], 'fire_count', ARGV[1]) end
return 1
