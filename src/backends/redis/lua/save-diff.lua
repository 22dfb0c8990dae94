-- Saves a task's unified diff; a fenced-out writer cannot replace the new owner's diff.
-- KEYS: 1 diff, 2 fence key
-- ARGV: 1 fence ('' = none), 2 task id, 3 diff
-- Returns: 1, or error FENCED <task id>.
-- @include fence-check
local refused = check_fence(KEYS[2], ARGV[1], ARGV[2])
if refused then return refused end
redis.call('SET', KEYS[1], ARGV[3])
return 1
