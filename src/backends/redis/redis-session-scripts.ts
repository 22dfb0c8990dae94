import { LuaScript } from './lua-script.js';

/**
 * Lua for session records: a hash of JSON-encoded fields, indexed by (created_at, id) in one
 * sorted set so sessions list oldest first without a scan.
 */
const MEMBER_LUA = `
local function member(key, id)
  local created = redis.call('HGET', key, 'created_at')
  if not created then return nil end
  return cjson.decode(created) .. '\\0' .. id
end
`;

/** KEYS: session, index. ARGV: session id, field, value, ... Returns {1} or {0, stored fields...}. */
export const INSERT_SESSION = new LuaScript(`${MEMBER_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then
  return { 0, redis.call('HGETALL', KEYS[1]) }
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('ZADD', KEYS[2], 0, member(KEYS[1], ARGV[1]))
return { 1 }
`);

/** KEYS: session. ARGV: field, value, ... Returns the stored fields, or nil when there is no such session. */
export const UPDATE_SESSION = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV >= 2 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
`);

/** KEYS: session, index. ARGV: session id. Returns 1 when it existed. */
export const DELETE_SESSION = new LuaScript(`${MEMBER_LUA}
local m = member(KEYS[1], ARGV[1])
if not m then return 0 end
redis.call('ZREM', KEYS[2], m)
redis.call('DEL', KEYS[1])
return 1
`);
