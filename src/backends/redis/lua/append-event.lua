-- Appends stream entry <seq>-0 only when seq is the last one + 1, then announces the task id on
-- the channel in the same atomic step.
-- KEYS: 1 events stream, 2 fence key
-- ARGV: 1 fence ('' = none), 2 seq, 3 event JSON, 4 channel, 5 task id
-- Returns: seq, or error SEQ <expected seq>, or error FENCED <task id>.
-- @include fence-check
local refused = check_fence(KEYS[2], ARGV[1], ARGV[5])
if refused then return refused end
local last = 0
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #top > 0 then last = tonumber(string.match(top[1][1], '^(%d+)')) end
local seq = tonumber(ARGV[2])
if seq ~= last + 1 then return redis.error_reply('SEQ ' .. (last + 1)) end
redis.call('XADD', KEYS[1], seq .. '-0', 'e', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return seq
