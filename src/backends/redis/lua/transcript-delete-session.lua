-- Deletes every transcript of a session and its project-index entry.
-- KEYS: 1 project index, 2 subkeys set
-- ARGV: 1 session id, 2.. the keys of every transcript of the session (one hash tag)
-- Returns: 1
redis.call('ZREM', KEYS[1], ARGV[1])
for i = 2, #ARGV do redis.call('DEL', ARGV[i]) end
redis.call('DEL', KEYS[2])
return 1
