import { Counter, type Registry } from 'prom-client';

/** agent_network_blocked_total{reason}: connections the egress proxy refused (spares included). */
export function registerEgressMetrics(registry: Registry): Counter<'reason'> {
  return new Counter({
    name: 'agent_network_blocked_total',
    help: 'Connections of sandboxed agents refused by the egress proxy, by reason (not_allowed, private_address, no_task).',
    labelNames: ['reason'],
    registers: [registry],
  });
}
