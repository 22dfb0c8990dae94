-- Sums cost_usd over a tenant's tasks created at or after `since`: a BYLEX range of the tenant's
-- (created_at, id) index, never a scan of all tasks.
-- KEYS: 1 the tenant's task index
-- ARGV: 1 prefix, 2 since
-- Returns: the sum as a string (Lua would truncate a number reply to an integer).
local total = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], '[' .. ARGV[2], '+', 'BYLEX')) do
  local id = string.sub(m, string.find(m, '\0', 1, true) + 1)
  local cost = tonumber(redis.call('HGET', '{' .. ARGV[1] .. ':t:' .. id .. '}:task', 'cost_usd'))
  if cost then total = total + cost end
end
return string.format('%.17g', total)
