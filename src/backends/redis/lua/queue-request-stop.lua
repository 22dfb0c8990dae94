-- Records a stop request for a running task (the first reason wins).
-- KEYS: 1 running, 2 stop
-- ARGV: 1 taskId, 2 reason
-- Returns: 1 when the task is running, else 0.
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
return 1
