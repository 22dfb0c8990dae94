-- The queue worker's stand-in for a task's event append: one journal line, fenced like the
-- store's writes, refused once the task has an outcome.
-- KEYS: 1 fence key, 2 journal list, 3 outcome
-- ARGV: 1 fence ('' = none), 2 entry, 3 task id
-- Returns: 1 appended, 0 after the outcome, or error FENCED <task id>.
-- @include fence-check
local refused = check_fence(KEYS[1], ARGV[1], ARGV[3])
if refused then return refused end
if redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
