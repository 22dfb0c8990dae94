-- A webhook delivery's member in the due index (`<next_attempt_at>\0<id>`), or nil when it is
-- not pending: a claim is then a BYLEX range in (due, id) order.
-- @include json-field
local function due_member(key, id)
  local values = redis.call('HMGET', key, 'status', 'next_attempt_at')
  local status, due = field(values[1]), field(values[2])
  if status == 'pending' and due then return due .. '\0' .. id end
  return nil
end
