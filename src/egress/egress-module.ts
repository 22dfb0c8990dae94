import type { Socket } from 'node:net';
import path from 'node:path';
import type { Config } from '../config.js';
import type { EventLog } from '../events/event-log.js';
import { McpRelay } from '../mcp/mcp-relay.js';
import { mcpEndpoints, taskMcp } from '../mcp/mcp-servers.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SecretReader } from '../secrets/secret-types.js';
import type { Module } from '../server/module.js';
import type { Store } from '../storage/store.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { AgentNetworks } from './agent-network.js';
import { EgressGate } from './egress-gate.js';
import { registerEgressMetrics, registerMcpRelayMetrics } from './egress-metrics.js';
import { EgressProxy } from './egress-proxy.js';
import { parseHostPatterns } from './host-patterns.js';

/**
 * The network each sandboxed process gets: the model through the credential proxy and anything
 * else through the egress proxy (its allowlist), each over a socket of its own.
 */
export async function createEgressModule(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  store: Store;
  events: EventLog;
  tenants: TenantRegistry;
  slotDir: string;
  isolated: boolean;
  /** The tenant secrets MCP server headers may name. */
  secrets: SecretReader | null;
  acceptModel(socket: Socket): void;
}): Promise<Module<AgentNetworks>> {
  const { config, store, tenants, events } = deps;
  const logger = deps.logger.child('egress');
  const gate = new EgressGate({
    allowPrivate: config.egress.allowPrivate,
    policyFor: async (taskId) => {
      const task = await store.getTask(taskId);
      if (task === null) return null;
      const network = task.options.network ?? null;
      return {
        tenant: tenants.get(task.tenant_id)?.egressAllow ?? config.egress.allow,
        task: network === null ? null : parseHostPatterns(network.allow).patterns,
        mcp: mcpEndpoints(taskMcp(tenants.get(task.tenant_id)?.mcpServers, task.options.mcp_servers), config.mcp.allowPrivate),
      };
    },
  });
  const egress = new EgressProxy({
    gate,
    onBlocked: (taskId, block) => {
      events.append(taskId, { type: 'network_blocked', data: block }).catch((error: unknown) => logger.error('Could not record network_blocked', { error }));
    },
    blockedTotal: registerEgressMetrics(deps.metrics.registry),
    logger,
    mcp: new McpRelay({
      secrets: deps.secrets,
      allowPrivate: config.mcp.allowPrivate,
      resolve: (host, allowPrivate) => gate.resolvePermitted(host, allowPrivate),
      logger: deps.logger.child('mcp'),
      count: registerMcpRelayMetrics(deps.metrics.registry),
    }),
  });
  const networks = new AgentNetworks({
    dir: path.join(deps.slotDir, 'net'),
    isolated: deps.isolated,
    acceptModel: deps.acceptModel,
    acceptEgress: (socket, currentTask, mcp) => egress.accept(socket, currentTask, mcp),
  });
  await networks.init();
  return { api: networks, stop: () => egress.close() };
}
