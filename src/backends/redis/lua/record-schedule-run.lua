-- Records a task a schedule started (once per task id), keeping the newest runs only.
-- KEYS: 1 schedules hash, 2 the schedule's runs sorted set
-- ARGV: 1 schedule id, 2 fire time (ms since the epoch), 3 task id, 4 how many runs to keep
-- Returns: 1 recorded, 0 already recorded or the schedule is gone.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
local added = redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[3])
if added == 1 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
end
return added
