-- Creates a tenant's secret or replaces its ciphertext, keeping its created_at.
-- KEYS: 1 the tenant's secrets hash (field = name, value = JSON {ciphertext, created_at, updated_at})
-- ARGV: 1 name, 2 ciphertext, 3 updated_at, 4 created_at (used when the secret is new)
-- Returns: {1 when created or 0 when replaced, created_at}
local old = redis.call('HGET', KEYS[1], ARGV[1])
local created_at = ARGV[4]
if old then created_at = cjson.decode(old).created_at end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ ciphertext = ARGV[2], created_at = created_at, updated_at = ARGV[3] }))
if old then return { 0, created_at } end
return { 1, created_at }
