-- Patches an existing task record and moves its index entries, unless the writer is fenced out.
-- KEYS: 1 task hash, 2 fence key
-- ARGV: 1 prefix, 2 task id, 3 fence ('' = none), 4.. field, value, ...
-- Returns: the stored fields, nil when there is no such task, or error FENCED <task id>.
-- @include task-index
-- @include fence-check
local refused = check_fence(KEYS[2], ARGV[3], ARGV[2])
if refused then return refused end
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV >= 5 then
  unindex(ARGV[1], ARGV[2], index_fields(KEYS[1]))
  redis.call('HSET', KEYS[1], unpack(ARGV, 4))
  reindex(ARGV[1], ARGV[2], index_fields(KEYS[1]))
end
return redis.call('HGETALL', KEYS[1])
