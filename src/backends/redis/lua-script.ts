import { createHash } from 'node:crypto';
import { ErrorReply } from 'redis';
import type { RedisClient } from './redis-connection.js';

/**
 * A Lua script run by its SHA (EVALSHA), sending the source only when Redis does not know it
 * yet (first use, or after a restart or SCRIPT FLUSH).
 */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await client.evalSha(this.sha, { keys, arguments: args });
    } catch (error) {
      if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT')) {
        return client.eval(this.source, { keys, arguments: args });
      }
      throw error;
    }
  }
}

/** The fencing check every script that writes a task's record or events starts with (contract D). */
export const FENCE_CHECK_LUA = `
local function check_fence(fence_key, fence, task_id)
  if fence ~= '' then
    local current = redis.call('GET', fence_key)
    if current and current ~= fence then
      return redis.error_reply('FENCED ' .. task_id)
    end
  end
  return nil
end
`;

/** A flat [field, value, field, value...] reply as an object. */
export function pairsToObject(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}
