import { isHeaderSafe } from '../mcp/mcp-relay.js';
import { mcpBinding, type McpBinding } from '../mcp/mcp-routes.js';
import type { TaskMcp } from '../mcp/mcp-servers.js';
import { isRemote, type McpHeaderValue } from '../mcp/mcp-types.js';
import type { SecretReader } from '../secrets/secret-types.js';
import type { SdkOptions } from './sdk.js';

export type SdkMcpServers = NonNullable<SdkOptions['mcpServers']>;

/** The MCP servers one agent process starts with (a task's own over its tenant's default), and whose secrets they name. */
export interface ProcessMcp extends TaskMcp {
  tenantId: string;
}

/** The relay routes a sandboxed process's egress socket serves; null without MCP servers. */
export function relayBinding(mcp: ProcessMcp | null): McpBinding | null {
  return mcp === null ? null : mcpBinding(mcp).binding;
}

/**
 * The servers as the CLI is given them. Sandboxed (`relayed`), an http/sse server is the relay's
 * URL for it and carries no headers: the relay adds them outside the sandbox. Without isolation
 * there is no sandbox to keep a secret out of, and no proxy: the CLI gets the real URL and headers.
 * Every server is loaded before the first prompt (alwaysLoad), so its tools are there on turn one.
 */
export async function cliMcpServers(mcp: ProcessMcp, relayed: boolean, secrets: SecretReader | null): Promise<SdkMcpServers> {
  const { relayUrls } = mcpBinding(mcp);
  const cli: SdkMcpServers = {};
  for (const [name, server] of Object.entries(mcp.servers)) {
    if (!isRemote(server)) {
      cli[name] = { type: 'stdio', command: server.command, args: server.args ?? [], env: server.env ?? {}, alwaysLoad: true };
    } else if (relayed) {
      cli[name] = { type: server.type, url: relayUrls.get(name)!, alwaysLoad: true };
    } else {
      cli[name] = { type: server.type, url: server.url, headers: await revealed(server.headers ?? {}, mcp.tenantId, secrets, name), alwaysLoad: true };
    }
  }
  return cli;
}

async function revealed(
  headers: Record<string, McpHeaderValue>,
  tenantId: string,
  secrets: SecretReader | null,
  server: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[header] = value;
    else {
      const secret = secrets?.enabled ? await secrets.reveal(tenantId, value.secret) : null;
      if (secret === null) throw new Error(`MCP server "${server}": header ${header} names the secret "${value.secret}", which is not set`);
      if (!isHeaderSafe(secret)) throw new Error(`MCP server "${server}": the secret "${value.secret}" holds a line break or NUL, which no header value may`);
      out[header] = secret;
    }
  }
  return out;
}
