import type { EnvReader } from '../lib/env-reader.js';

/**
 * MCP_ALLOW_PRIVATE: whether http/sse MCP servers may be at loopback or private addresses. `auto`
 * allows them without API_KEYS_FILE, where whoever holds the one key runs the machine, and refuses
 * them with it, where a tenant must not reach the operator's network through the relay.
 */
export function readMcpConfig(r: EnvReader, multiTenant: boolean): { allowPrivate: boolean } {
  const setting = r.oneOf('MCP_ALLOW_PRIVATE', ['auto', 'true', 'false'], 'auto', (v) => v.toLowerCase());
  return { allowPrivate: setting === 'auto' ? !multiTenant : setting === 'true' };
}
