-- Gives the schedule leader lease up, if the caller holds it.
-- KEYS: 1 lease key
-- ARGV: 1 holder (instance id)
-- Returns: 1 released, 0 held by another instance or free.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
