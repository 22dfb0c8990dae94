-- The queue worker's stand-in for a task's final record: the first outcome wins, fenced like
-- the store's writes.
-- KEYS: 1 fence key, 2 journal list, 3 outcome
-- ARGV: 1 fence ('' = none), 2 outcome, 3 task id
-- Returns: 1 recorded, 0 when an outcome exists, or error FENCED <task id>.
-- @include fence-check
local refused = check_fence(KEYS[1], ARGV[1], ARGV[3])
if refused then return refused end
if redis.call('SET', KEYS[3], ARGV[2], 'NX') then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  return 1
end
return 0
