/**
 * The fence check of contract D, for every Lua script that writes a task's record or appends
 * its events (the Redis store's scripts embed it). `fence` is the writer's token from
 * `fenceFor(taskId)`, or '' for none. Once a take-over has rotated the fence key, a writer with
 * the old token gets an error starting with FENCED (surfaced as FencedWriteError).
 */
export const FENCE_CHECK_LUA = `
local function fence_check(fence_key, fence)
  if fence == nil or fence == '' then return end
  local current = redis.call('GET', fence_key)
  if current and current ~= fence then
    error({ err = 'FENCED task was taken over by another instance' })
  end
end`;
