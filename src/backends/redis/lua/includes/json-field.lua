-- A record field as stored (one JSON value per hash field): the string it holds, or nil for
-- a missing field, a non-string or undecodable JSON.
local function field(v)
  if not v then return nil end
  local ok, d = pcall(cjson.decode, v)
  if ok and type(d) == 'string' then return d end
  return nil
end
