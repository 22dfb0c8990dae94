import { Counter, type Registry } from 'prom-client';
import type { RelayOutcome } from '../mcp/mcp-relay.js';

/** mcp_relay_requests_total{outcome}: requests of agents to their MCP servers through the relay. */
export function registerMcpRelayMetrics(registry: Registry): (outcome: RelayOutcome) => void {
  const counter = new Counter({
    name: 'mcp_relay_requests_total',
    help: 'Requests of agents to their http/sse MCP servers through the relay, by outcome (forwarded, unknown_server, address_refused, secret_missing, unreachable).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return (outcome) => counter.inc({ outcome });
}

/** agent_network_blocked_total{reason}: connections the egress proxy refused (spares included). */
export function registerEgressMetrics(registry: Registry): Counter<'reason'> {
  return new Counter({
    name: 'agent_network_blocked_total',
    help: 'Connections of sandboxed agents refused by the egress proxy, by reason (not_allowed, private_address, no_task).',
    labelNames: ['reason'],
    registers: [registry],
  });
}
