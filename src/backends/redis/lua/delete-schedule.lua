-- Deletes a schedule and its runs.
-- KEYS: 1 schedules hash, 2 the schedule's runs sorted set
-- ARGV: 1 schedule id
-- Returns: 1 deleted, 0 unknown.
redis.call('DEL', KEYS[2])
return redis.call('HDEL', KEYS[1], ARGV[1])
