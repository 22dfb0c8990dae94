import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ErrorReply } from 'redis';
import type { RedisClient } from './redis-connection.js';

/** Where the scripts live (`npm run build` copies them beside the compiled code). */
const LUA_DIR = new URL('./lua/', import.meta.url);
/** Shared Lua, pulled in by `-- @include <name>` (lua/includes/<name>.lua), each at most once. */
const INCLUDES_DIR = new URL('./includes/', LUA_DIR);
const INCLUDE_LINE = /^-- @include ([a-z0-9-]+)[ \t]*$/gm;

function expandIncludes(source: string, seen: Set<string>): string {
  return source.replace(INCLUDE_LINE, (_, name: string) => {
    if (seen.has(name)) return '';
    seen.add(name);
    return expandIncludes(readFileSync(new URL(`${name}.lua`, INCLUDES_DIR), 'utf8'), seen);
  });
}

/**
 * A Lua script run by its SHA (EVALSHA), sending the source only when Redis does not know it
 * yet (first use, or after a restart or SCRIPT FLUSH). Each script is a file under lua/ whose
 * header names its KEYS and ARGV; scripts are read once, when their module loads.
 */
export class LuaScript {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = expandIncludes(source, new Set());
    this.sha = createHash('sha1').update(this.source).digest('hex');
  }

  /** lua/<name>.lua, or <name>.lua in `dir` (a script outside the backend, such as the dev queue worker's). */
  static load(name: string, dir: URL = LUA_DIR): LuaScript {
    return new LuaScript(readFileSync(new URL(`${name}.lua`, dir), 'utf8'));
  }

  async run(client: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const options = { keys: [...keys], arguments: args.map(String) };
    try {
      return await client.evalSha(this.sha, options);
    } catch (error) {
      if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT')) return client.eval(this.source, options);
      throw error;
    }
  }
}

/** A flat [field, value, field, value...] reply as an object. */
export function pairsToObject(reply: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}
