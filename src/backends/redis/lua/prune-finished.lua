-- Deletes up to `limit` finished tasks completed before the cutoff, with their events, fence,
-- diff and webhook deliveries. Its keys are built here from the prefix (single primary only).
-- KEYS: none
-- ARGV: 1 prefix, 2 cutoff (ISO time), 3 limit
-- Returns: how many tasks were deleted.
-- @include task-index
-- @include delete-task-extras
local p = ARGV[1]
local members = redis.call('ZRANGE', p .. ':idx:finished', '-', '(' .. ARGV[2], 'BYLEX', 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(members) do
  local id = string.sub(m, string.find(m, '\0', 1, true) + 1)
  local tag = '{' .. p .. ':t:' .. id .. '}'
  local values = index_fields(tag .. ':task')
  unindex(p, id, values)
  redis.call('ZREM', p .. ':idx:finished', m)
  redis.call('DEL', tag .. ':task', tag .. ':events', tag .. ':fence')
  delete_task_extras(p, tag)
end
return #members
