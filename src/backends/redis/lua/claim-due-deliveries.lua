-- Takes up to `limit` deliveries due at `now`, earliest first, and moves their due time to the
-- lease end in the same step, so two instances can never claim one delivery.
-- KEYS: 1 due index
-- ARGV: 1 prefix, 2 now, 3 lease until (JSON), 4 lease until, 5 limit
-- Returns: each claimed delivery's fields.
local members = redis.call('ZRANGE', KEYS[1], '-', '(' .. ARGV[2] .. '\1', 'BYLEX', 'LIMIT', 0, tonumber(ARGV[5]))
local out = {}
for _, m in ipairs(members) do
  local id = string.sub(m, string.find(m, '\0', 1, true) + 1)
  local key = ARGV[1] .. ':wh:' .. id
  redis.call('ZREM', KEYS[1], m)
  if redis.call('EXISTS', key) == 1 then
    redis.call('HSET', key, 'next_attempt_at', ARGV[3])
    redis.call('ZADD', KEYS[1], 0, ARGV[4] .. '\0' .. id)
    table.insert(out, redis.call('HGETALL', key))
  end
end
return out
