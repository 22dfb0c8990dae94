-- The indexes a task listing or retention reads, kept by the same script as the write so they
-- can never disagree with the record. Members are `<time>\0<id>` under one score (BYLEX order).
-- @include json-field
local TERMINAL = { completed = true, failed = true, interrupted = true, timed_out = true }
local function index_entries(p, id, values)
  local status, tenant, created, completed = field(values[1]), field(values[2]), field(values[3]), field(values[4])
  local out = {}
  if not created then return out end
  local m = created .. '\0' .. id
  table.insert(out, { p .. ':idx:tasks', m })
  if tenant then table.insert(out, { p .. ':idx:tasks:n:' .. tenant, m }) end
  if status then
    table.insert(out, { p .. ':idx:tasks:s:' .. status, m })
    if tenant then table.insert(out, { p .. ':idx:tasks:n:' .. tenant .. ':s:' .. status, m }) end
    if TERMINAL[status] and completed then table.insert(out, { p .. ':idx:finished', completed .. '\0' .. id }) end
  end
  return out
end
local function index_fields(key)
  return redis.call('HMGET', key, 'status', 'tenant_id', 'created_at', 'completed_at')
end
local function unindex(p, id, values)
  for _, e in ipairs(index_entries(p, id, values)) do redis.call('ZREM', e[1], e[2]) end
end
local function reindex(p, id, values)
  for _, e in ipairs(index_entries(p, id, values)) do redis.call('ZADD', e[1], 0, e[2]) end
end
