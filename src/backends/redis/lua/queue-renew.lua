-- Renews leases still held with the holder's fence. An expired lease counts as lost even before
-- anyone takes it over.
-- KEYS: 1 running, 2 fences, 3 stop
-- ARGV: 1 leaseMs, 2.. taskId, fence pairs
-- Returns: per lease, the requested stop reason ('' for none), or nil when it is lost.
-- @include redis-now
local out = {}
for i = 2, #ARGV, 2 do
  local id, fence = ARGV[i], ARGV[i + 1]
  local expires = redis.call('ZSCORE', KEYS[1], id)
  if expires and tonumber(expires) > now and redis.call('HGET', KEYS[2], id) == fence then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), id)
    table.insert(out, redis.call('HGET', KEYS[3], id) or '')
  else
    table.insert(out, false)
  end
end
return out
