-- Deletes a task's webhook deliveries and diff (p = prefix, tag = the task's hash tag).
-- @include delivery-due
local function delete_task_extras(p, tag)
  for _, m in ipairs(redis.call('ZRANGE', tag .. ':webhooks', 0, -1)) do
    local id = string.sub(m, string.find(m, '\0', 1, true) + 1)
    local key = p .. ':wh:' .. id
    local due = due_member(key, id)
    if due then redis.call('ZREM', p .. ':idx:webhooks:due', due) end
    redis.call('DEL', key)
  end
  redis.call('DEL', tag .. ':webhooks', tag .. ':diff')
end
