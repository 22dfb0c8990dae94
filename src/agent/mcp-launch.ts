import { revealHeaders } from '../mcp/mcp-headers.js';
import type { TaskMcp } from '../mcp/mcp-servers.js';
import { isRemote } from '../mcp/mcp-types.js';
import type { SecretReader } from '../secrets/secret-types.js';
import type { SdkOptions } from './sdk.js';

export type SdkMcpServers = NonNullable<SdkOptions['mcpServers']>;

/** The MCP servers one agent process starts with (a task's own over its tenant's default), and whose secrets they name. */
export interface ProcessMcp extends TaskMcp {
  tenantId: string;
}

/**
 * The servers as the CLI is given them. Sandboxed (with `relayUrls`), an http/sse server is the relay's
 * URL for it and carries no headers: the relay adds them outside the sandbox. Without isolation
 * there is no sandbox to keep a secret out of, and no proxy: the CLI gets the real URL and headers.
 * Every server is loaded before the first prompt (alwaysLoad), so its tools are there on turn one.
 */
export async function cliMcpServers(mcp: ProcessMcp, relayUrls: ReadonlyMap<string, string> | null, secrets: SecretReader | null): Promise<SdkMcpServers> {
  const cli: SdkMcpServers = {};
  for (const [name, server] of Object.entries(mcp.servers)) {
    if (!isRemote(server)) {
      cli[name] = { type: 'stdio', command: server.command, args: server.args ?? [], env: server.env ?? {}, alwaysLoad: true };
    } else if (relayUrls !== null) {
      cli[name] = { type: server.type, url: relayUrls.get(name)!, alwaysLoad: true };
    } else {
      cli[name] = { type: server.type, url: server.url, headers: await revealHeaders(server.headers ?? {}, mcp.tenantId, secrets, name), alwaysLoad: true };
    }
  }
  return cli;
}
