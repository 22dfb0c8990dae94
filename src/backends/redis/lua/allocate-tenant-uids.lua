-- Hands out each tenant's host uid once for the whole deployment; a uid never goes to two tenants.
-- KEYS: 1 tenant -> uid hash, 2 counter (one hash tag)
-- ARGV: 1 first uid, 2.. tenant ids
-- Returns: the uid of each tenant, in ARGV order.
local base = tonumber(ARGV[1])
local out = {}
for i = 2, #ARGV do
  local uid = redis.call('HGET', KEYS[1], ARGV[i])
  if not uid then
    redis.call('SET', KEYS[2], base - 1, 'NX')
    uid = redis.call('INCR', KEYS[2])
    redis.call('HSET', KEYS[1], ARGV[i], uid)
  end
  out[#out + 1] = tonumber(uid)
end
return out
