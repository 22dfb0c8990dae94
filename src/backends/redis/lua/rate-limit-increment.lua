-- A fixed window: the first hit starts it with a TTL, later hits count within it.
-- KEYS: 1 the caller's counter
-- ARGV: 1 window (ms)
-- Returns: {hits in this window, ms until it ends}
local current = redis.call('INCR', KEYS[1])
local ttl
if current == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
else
  ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
end
return { current, ttl }
