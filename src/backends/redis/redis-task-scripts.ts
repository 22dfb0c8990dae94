import { FENCE_CHECK_LUA, LuaScript } from './lua-script.js';
import { DELETE_TASK_EXTRAS_LUA } from './redis-outbox-scripts.js';

/**
 * Lua for task records. A task is a hash of JSON-encoded fields; the indexes a listing or
 * retention reads are kept in the same script as the write, so they can never disagree with
 * the record. (Indexes are prefix-wide keys: these scripts need a single Redis primary, not
 * Cluster; see docs/scaling.md.)
 */
const INDEX_LUA = `
local TERMINAL = { completed = true, failed = true, interrupted = true, timed_out = true }
local function field(v)
  if not v then return nil end
  local ok, d = pcall(cjson.decode, v)
  if ok and type(d) == 'string' then return d end
  return nil
end
local function index_entries(p, id, values)
  local status, tenant, created, completed = field(values[1]), field(values[2]), field(values[3]), field(values[4])
  local out = {}
  if not created then return out end
  local m = created .. '\\0' .. id
  table.insert(out, { p .. ':idx:tasks', m })
  if tenant then table.insert(out, { p .. ':idx:tasks:n:' .. tenant, m }) end
  if status then
    table.insert(out, { p .. ':idx:tasks:s:' .. status, m })
    if tenant then table.insert(out, { p .. ':idx:tasks:n:' .. tenant .. ':s:' .. status, m }) end
    if TERMINAL[status] and completed then table.insert(out, { p .. ':idx:finished', completed .. '\\0' .. id }) end
  end
  return out
end
local function index_fields(key)
  return redis.call('HMGET', key, 'status', 'tenant_id', 'created_at', 'completed_at')
end
local function unindex(p, id, values)
  for _, e in ipairs(index_entries(p, id, values)) do redis.call('ZREM', e[1], e[2]) end
end
local function reindex(p, id, values)
  for _, e in ipairs(index_entries(p, id, values)) do redis.call('ZADD', e[1], 0, e[2]) end
end
`;

/** KEYS: task. ARGV: prefix, task id, field, value, ... Returns {1} or {0, stored fields...}. */
export const INSERT_TASK = new LuaScript(`${INDEX_LUA}
if redis.call('EXISTS', KEYS[1]) == 1 then
  return { 0, redis.call('HGETALL', KEYS[1]) }
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
reindex(ARGV[1], ARGV[2], index_fields(KEYS[1]))
return { 1 }
`);

/** KEYS: task, fence. ARGV: prefix, task id, fence ('' = none), field, value, ... Returns the stored fields or nil. */
export const UPDATE_TASK = new LuaScript(`${INDEX_LUA}${FENCE_CHECK_LUA}
local refused = check_fence(KEYS[2], ARGV[3], ARGV[2])
if refused then return refused end
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV >= 5 then
  unindex(ARGV[1], ARGV[2], index_fields(KEYS[1]))
  redis.call('HSET', KEYS[1], unpack(ARGV, 4))
  reindex(ARGV[1], ARGV[2], index_fields(KEYS[1]))
end
return redis.call('HGETALL', KEYS[1])
`);

/**
 * ARGV: prefix, cutoff, limit. Deletes up to `limit` finished tasks completed before the
 * cutoff, with their events, fence, diff and webhook deliveries. Returns how many.
 */
export const PRUNE_FINISHED = new LuaScript(`${INDEX_LUA}${DELETE_TASK_EXTRAS_LUA}
local p = ARGV[1]
local members = redis.call('ZRANGE', p .. ':idx:finished', '-', '(' .. ARGV[2], 'BYLEX', 'LIMIT', 0, tonumber(ARGV[3]))
for _, m in ipairs(members) do
  local id = string.sub(m, string.find(m, '\\0', 1, true) + 1)
  local tag = '{' .. p .. ':t:' .. id .. '}'
  local values = index_fields(tag .. ':task')
  unindex(p, id, values)
  redis.call('ZREM', p .. ':idx:finished', m)
  redis.call('DEL', tag .. ':task', tag .. ':events', tag .. ':fence')
  delete_task_extras(p, tag)
end
return #members
`);

/**
 * KEYS: events, fence. ARGV: fence ('' = none), seq, event JSON, channel, task id.
 * Appends entry <seq>-0 only when seq is the last one + 1, then announces it on the channel.
 */
export const APPEND_EVENT = new LuaScript(`${FENCE_CHECK_LUA}
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
`);
