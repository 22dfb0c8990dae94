-- The fence check of contract D, for every script that writes a task's record, events or
-- diff, or (src/dev/queue-worker.ts) a task's journal. `fence` is the writer's token from
-- `fenceFor(taskId)`, or '' for none. Once a take-over has rotated the fence key, a writer
-- holding the old token is refused: the caller returns what this returns.
-- Returns: nil to go on, or the error reply `FENCED <task id>` (surfaced as FencedWriteError).
local function check_fence(fence_key, fence, task_id)
  if fence ~= '' then
    local current = redis.call('GET', fence_key)
    if current and current ~= fence then
      return redis.error_reply('FENCED ' .. task_id)
    end
  end
  return nil
end
