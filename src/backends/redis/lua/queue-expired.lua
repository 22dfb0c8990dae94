-- Up to 100 running tasks whose lease has expired.
-- KEYS: 1 running, 2 items
-- ARGV: none
-- Returns: flat taskId, tenant, session, priority quadruples.
-- @include redis-now
-- @include queue-priority
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 100)) do
  local raw = redis.call('HGET', KEYS[2], id)
  if raw then
    local item = cjson.decode(raw)
    table.insert(out, id); table.insert(out, item[1]); table.insert(out, item[2]); table.insert(out, itemPriority(item))
  end
end
return out
