-- A session's member in the session index (`<created_at>\0<id>`), or nil when it does not exist.
local function member(key, id)
  local created = redis.call('HGET', key, 'created_at')
  if not created then return nil end
  return cjson.decode(created) .. '\0' .. id
end
