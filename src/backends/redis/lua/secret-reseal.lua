-- Swaps a secret's ciphertext for one sealed under a newer key, only if it is still the expected one.
-- KEYS: 1 the tenant's secrets hash
-- ARGV: 1 name, 2 expected ciphertext, 3 new ciphertext
-- Returns: 1 when swapped, 0 when the secret is gone or was set meanwhile.
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
local secret = cjson.decode(old)
if secret.ciphertext ~= ARGV[2] then return 0 end
secret.ciphertext = ARGV[3]
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(secret))
return 1
