-- Writes a schedule's new record only while its stored version is the one the writer read.
-- KEYS: 1 schedules hash
-- ARGV: 1 schedule id, 2 expected version, 3 record JSON
-- Returns: 1 written, 0 missing or changed since it was read.
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current then
  return 0
end
if tonumber(cjson.decode(current).version) ~= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
