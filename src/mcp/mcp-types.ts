/**
 * MCP servers a task's agent may use (options.mcp_servers, and a tenant's default in the keys
 * file), as the client wrote them: a header value is a literal or names one of the tenant's
 * secrets, whose value only the egress proxy's MCP relay ever reads (see mcp-relay.ts).
 * One definition, the API's own.
 */
import type { McpRemoteServer, McpServerConfig } from '../../packages/client/src/requests.js';

export type { McpHeaderValue, McpRemoteServer, McpServers, McpStdioServer } from '../../packages/client/src/requests.js';
export type McpServerSpec = McpServerConfig;

export function isRemote(server: McpServerSpec): server is McpRemoteServer {
  return server.type === 'http' || server.type === 'sse';
}
