-- Inserts a task record if absent, with its index entries.
-- KEYS: 1 task hash
-- ARGV: 1 prefix, 2 task id, 3.. field, value, ...
-- Returns: {1}, or {0, stored fields...} when the task exists.
-- @include task-index
if redis.call('EXISTS', KEYS[1]) == 1 then
  return { 0, redis.call('HGETALL', KEYS[1]) }
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
reindex(ARGV[1], ARGV[2], index_fields(KEYS[1]))
return { 1 }
