import type { SharedUidAllocator } from '../../agent/isolation/tenant-uids.js';
import { LuaScript } from './lua-script.js';
import type { RedisConnection } from './redis-connection.js';

/**
 * Hands out each tenant's host uid once for the whole deployment: every instance shares
 * WORKSPACE_ROOT, so a tenant's files must belong to the same uid whichever instance runs its
 * agent, and a uid must never go to two tenants. The map and its counter share one hash tag.
 */
const ALLOCATE = LuaScript.load('allocate-tenant-uids');

export function redisUidAllocator(connection: RedisConnection): SharedUidAllocator {
  const tag = `{${connection.prefix}:uids}`;
  return {
    allocate: async (tenantIds, base) => {
      const uids = (await connection.run((c) => ALLOCATE.run(c, [`${tag}:map`, `${tag}:next`], [String(base), ...tenantIds]))) as number[];
      return Object.fromEntries(tenantIds.map((id, i) => [id, Number(uids[i])]));
    },
  };
}
