import { isRemote, type McpRemoteServer, type McpServers } from './mcp-types.js';

/**
 * The reserved domain of the MCP relay. A sandboxed agent is told to reach its http/sse MCP
 * servers at `http://<label>.mcp.ccs.invalid/...`; its HTTP_PROXY sends those requests to the
 * egress proxy, which hands them to the relay (`.invalid` never resolves, so nothing else can
 * answer them). The relay forwards each to the real server with the configured headers.
 */
export const MCP_RELAY_DOMAIN = 'mcp.ccs.invalid';

export interface McpRoute {
  name: string;
  server: McpRemoteServer;
  /** From the tenant's keys-file default: the operator chose its address, so MCP_ALLOW_PRIVATE does not apply. */
  operator: boolean;
}

/** One agent process's MCP servers, as the relay serves them: fixed when the process starts. */
export interface McpBinding {
  /** Whose secrets the headers name. */
  tenantId: string;
  /** By host label (`s0`, `s1`, ...): server names may differ only in case, host names may not. */
  routes: ReadonlyMap<string, McpRoute>;
}

export function relayLabelOf(hostname: string): string | null {
  const suffix = `.${MCP_RELAY_DOMAIN}`;
  const host = hostname.toLowerCase();
  return host.endsWith(suffix) ? host.slice(0, -suffix.length) : null;
}

/** The relay routes of a process's servers, and the URL the agent is given for each remote one. */
export function mcpBinding({ tenantId, servers, operatorServers }: { tenantId: string; servers: McpServers; operatorServers: readonly string[] }): {
  binding: McpBinding;
  relayUrls: Map<string, string>;
} {
  const routes = new Map<string, McpRoute>();
  const relayUrls = new Map<string, string>();
  let index = 0;
  for (const [name, server] of Object.entries(servers)) {
    if (!isRemote(server)) continue;
    const label = `s${index++}`;
    routes.set(label, { name, server, operator: operatorServers.includes(name) });
    const real = new URL(server.url);
    relayUrls.set(name, `http://${label}.${MCP_RELAY_DOMAIN}${real.pathname}${real.search}`);
  }
  return { binding: { tenantId, routes }, relayUrls };
}
