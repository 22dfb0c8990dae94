-- Appends Claude Code transcript entries. Entries with a uuid are kept once (the SDK retries
-- appends); the rest are appended as they come. With a ttl, the transcript expires that long
-- after its last append, and the project index forgets sessions older than that.
-- KEYS: 1 entries list, 2 uuid set, 3 project index, 4 subkeys set
-- ARGV: 1 mtime, 2 session id, 3 subpath ('' for the main transcript), 4 ttl seconds (0 = keep),
--       5.. (uuid or '', entry JSON) pairs
-- Returns: 1
local ttl = tonumber(ARGV[4])
for i = 5, #ARGV, 2 do
  local uuid = ARGV[i]
  if uuid == '' or redis.call('SADD', KEYS[2], uuid) == 1 then
    redis.call('RPUSH', KEYS[1], ARGV[i + 1])
  end
end
if ARGV[3] == '' then
  redis.call('ZADD', KEYS[3], tonumber(ARGV[1]), ARGV[2])
else
  redis.call('SADD', KEYS[4], ARGV[3])
end
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  if redis.call('EXISTS', KEYS[4]) == 1 then redis.call('EXPIRE', KEYS[4], ttl) end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. (tonumber(ARGV[1]) - ttl * 1000))
end
return 1
