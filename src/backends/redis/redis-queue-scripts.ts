import { LuaScript } from './lua-script.js';

/**
 * The Lua side of the Redis queue (lua/queue-*.lua). Every script runs atomically on the server
 * and reads the time from Redis (TIME), so leases never depend on the instances' clocks
 * agreeing. All keys a script touches share the hash tag `{<prefix>:q}`; see
 * redis-task-queue.ts for the layout and the one step that crosses slots (the fence key).
 */
export const RESERVE = LuaScript.load('queue-reserve');
export const ENQUEUE = LuaScript.load('queue-enqueue');
export const CLAIM = LuaScript.load('queue-claim');
export const CANCEL = LuaScript.load('queue-cancel');
export const RENEW = LuaScript.load('queue-renew');
export const FINISH = LuaScript.load('queue-finish');
export const EXPIRED = LuaScript.load('queue-expired');
export const TAKE_OVER = LuaScript.load('queue-take-over');
export const REQUEST_STOP = LuaScript.load('queue-request-stop');
