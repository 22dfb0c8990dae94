import type { McpEndpoint } from '../egress/egress-gate.js';
import { normaliseHost } from '../egress/host-patterns.js';
import { isRemote, type McpServers } from './mcp-types.js';

/** A tenant's default servers under the task's own: a task's server replaces the default of the same name. */
export function effectiveMcpServers(tenantDefault: McpServers | null | undefined, taskServers: McpServers | null | undefined): McpServers | null {
  const merged: McpServers = { ...(tenantDefault ?? {}), ...(taskServers ?? {}) };
  const names = Object.keys(merged).sort();
  if (names.length === 0) return null;
  // Sorted, so that the same set is the same spawn key whichever order it was written in.
  return Object.fromEntries(names.map((name) => [name, merged[name]!]));
}

/** The MCP servers a task runs with, and which of them its operator configured (the tenant's keys-file default, not replaced by the task). */
export interface TaskMcp {
  servers: McpServers;
  operatorServers: string[];
}

export function taskMcp(tenantDefault: McpServers | null | undefined, taskServers: McpServers | null | undefined): TaskMcp | null {
  const servers = effectiveMcpServers(tenantDefault, taskServers);
  if (servers === null) return null;
  return { servers, operatorServers: Object.keys(tenantDefault ?? {}).filter((name) => taskServers?.[name] === undefined) };
}

/** Where a task's http/sse servers are, as the egress gate allows them (`host:port`; the default port of the scheme). */
export function mcpEndpoints(mcp: TaskMcp | null, allowPrivate: boolean): McpEndpoint[] {
  const endpoints: McpEndpoint[] = [];
  for (const [name, server] of Object.entries(mcp?.servers ?? {})) {
    if (!isRemote(server)) continue;
    const url = new URL(server.url);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    endpoints.push({ host: normaliseHost(url.hostname), port, allowPrivate: allowPrivate || mcp!.operatorServers.includes(name) });
  }
  return endpoints;
}

/** Every secret the servers' headers name, once each. */
export function secretNames(servers: McpServers | null): string[] {
  const names = new Set<string>();
  for (const server of Object.values(servers ?? {})) {
    if (!isRemote(server)) continue;
    for (const value of Object.values(server.headers ?? {})) if (typeof value !== 'string') names.add(value.secret);
  }
  return [...names];
}

/** The permission rule that allows every tool of one server (`mcp__<name>`), as Claude Code spells it. */
export function mcpServerRule(name: string): string {
  return `mcp__${name}`;
}

/**
 * A task that names no allowed_tools may use its MCP servers' tools besides the default tools:
 * whoever chose the servers chose their tools. A task that lists allowed_tools lists them itself
 * (`mcp__<server>` for all of one server's tools, `mcp__<server>__<tool>` for one).
 */
export function defaultToolsWithMcp(defaultTools: readonly string[], servers: McpServers | null): string[] {
  return [...defaultTools, ...Object.keys(servers ?? {}).map(mcpServerRule)];
}

/** The tools a task may use when it names no allowed_tools: the defaults and every tool of its servers, the tenant's included. */
export function taskDefaultTools(
  defaultTools: readonly string[],
  tenantDefault: McpServers | null | undefined,
  taskServers: McpServers | null | undefined,
): string[] {
  return defaultToolsWithMcp(defaultTools, effectiveMcpServers(tenantDefault, taskServers));
}
