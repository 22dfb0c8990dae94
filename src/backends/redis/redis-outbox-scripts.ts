import { FENCE_CHECK_LUA, LuaScript } from './lua-script.js';

/**
 * Lua for the webhook outbox, task diffs and tenant spend. A delivery is a hash of
 * JSON-encoded fields at `<prefix>:wh:<id>`; two sorted sets index it: the task's deliveries
 * (`{..t:ID}:webhooks`, members `<created_at>\0<id>`) and the due index (`<prefix>:idx:webhooks:due`,
 * members `<next_attempt_at>\0<id>`, pending deliveries only), so a claim is a BYLEX range in
 * (due, id) order. The due index is kept in the same script as every write, so a claim never
 * sees a stale due time.
 */
const DELIVERY_LUA = `
local function field(v)
  if not v then return nil end
  local ok, d = pcall(cjson.decode, v)
  if ok and type(d) == 'string' then return d end
  return nil
end
local function due_member(key, id)
  local values = redis.call('HMGET', key, 'status', 'next_attempt_at')
  local status, due = field(values[1]), field(values[2])
  if status == 'pending' and due then return due .. '\\0' .. id end
  return nil
end
`;

/** KEYS: delivery, task's deliveries, due index. ARGV: id, created_at, field, value, ... Insert-if-absent. */
export const INSERT_DELIVERY = new LuaScript(`${DELIVERY_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], 0, ARGV[2] .. '\\0' .. ARGV[1])
local due = due_member(KEYS[1], ARGV[1])
if due then redis.call('ZADD', KEYS[3], 0, due) end
return 1
`);

/** KEYS: delivery, due index. ARGV: id, field, value, ... Patches an existing delivery only. */
export const UPDATE_DELIVERY = new LuaScript(`${DELIVERY_LUA}
if redis.call('EXISTS', KEYS[1]) == 0 or #ARGV < 3 then return 0 end
local before = due_member(KEYS[1], ARGV[1])
if before then redis.call('ZREM', KEYS[2], before) end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
local after = due_member(KEYS[1], ARGV[1])
if after then redis.call('ZADD', KEYS[2], 0, after) end
return 1
`);

/**
 * KEYS: due index. ARGV: prefix, now, lease until (JSON), lease until, limit.
 * Takes up to `limit` deliveries due at `now`, earliest first, and moves their due time to
 * the lease end in the same script, so two instances can never claim one delivery.
 * Returns each claimed delivery's fields.
 */
export const CLAIM_DUE_DELIVERIES = new LuaScript(`
local members = redis.call('ZRANGE', KEYS[1], '-', '(' .. ARGV[2] .. '\\1', 'BYLEX', 'LIMIT', 0, tonumber(ARGV[5]))
local out = {}
for _, m in ipairs(members) do
  local id = string.sub(m, string.find(m, '\\0', 1, true) + 1)
  local key = ARGV[1] .. ':wh:' .. id
  redis.call('ZREM', KEYS[1], m)
  if redis.call('EXISTS', key) == 1 then
    redis.call('HSET', key, 'next_attempt_at', ARGV[3])
    redis.call('ZADD', KEYS[1], 0, ARGV[4] .. '\\0' .. id)
    table.insert(out, redis.call('HGETALL', key))
  end
end
return out
`);

/** Deletes a task's deliveries and diff: Lua shared with PRUNE_FINISHED (p = prefix, tag = task's hash tag). */
export const DELETE_TASK_EXTRAS_LUA = `${DELIVERY_LUA}
local function delete_task_extras(p, tag)
  for _, m in ipairs(redis.call('ZRANGE', tag .. ':webhooks', 0, -1)) do
    local id = string.sub(m, string.find(m, '\\0', 1, true) + 1)
    local key = p .. ':wh:' .. id
    local due = due_member(key, id)
    if due then redis.call('ZREM', p .. ':idx:webhooks:due', due) end
    redis.call('DEL', key)
  end
  redis.call('DEL', tag .. ':webhooks', tag .. ':diff')
end
`;

/** KEYS: diff, fence. ARGV: fence ('' = none), task id, diff. A fenced-out writer cannot replace the new owner's diff. */
export const SAVE_DIFF = new LuaScript(`${FENCE_CHECK_LUA}
local refused = check_fence(KEYS[2], ARGV[1], ARGV[2])
if refused then return refused end
redis.call('SET', KEYS[1], ARGV[3])
return 1
`);

/**
 * KEYS: the tenant's task index. ARGV: prefix, since. Sums cost_usd over the tenant's tasks
 * created at or after `since`: a BYLEX range of the tenant's (created_at, id) index, never a
 * scan of all tasks. Returned as a string: Lua would truncate a number reply to an integer.
 */
export const TENANT_SPEND = new LuaScript(`
local total = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], '[' .. ARGV[2], '+', 'BYLEX')) do
  local id = string.sub(m, string.find(m, '\\0', 1, true) + 1)
  local cost = tonumber(redis.call('HGET', '{' .. ARGV[1] .. ':t:' .. id .. '}:task', 'cost_usd'))
  if cost then total = total + cost end
end
return string.format('%.17g', total)
`);
