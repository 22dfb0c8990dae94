-- Takes the schedule leader lease if it is free, or renews it for its holder.
-- KEYS: 1 lease key
-- ARGV: 1 holder (instance id), 2 lease in ms
-- Returns: 1 the caller holds the lease, 0 another instance does.
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
