import { Counter, type Registry } from 'prom-client';

export interface ModelProxyMetrics {
  /** Model requests answered to the CLI, by final status ('401', '200', '529', 'stalled', 'dropped', 'unreachable', ...). */
  requests: Pick<Counter<'status'>, 'inc'>;
  /** Attempts the proxy repeated, by the reason (upstream status or 'network'). */
  retries: Pick<Counter<'reason'>, 'inc'>;
}

/** Registers the proxy's counters in the server's registry (served on METRICS_PORT with the rest). */
export function registerModelProxyMetrics(registry: Registry): ModelProxyMetrics {
  return {
    requests: new Counter({
      name: 'model_requests_total',
      help: 'Model API requests relayed by the credential proxy, by the status the agent finally got.',
      labelNames: ['status'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'model_retries_total',
      help: 'Model API attempts the credential proxy repeated after a transient failure, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

/** For a proxy run without a metrics registry (unit tests, tools). */
export const NO_METRICS: ModelProxyMetrics = { requests: { inc: () => undefined }, retries: { inc: () => undefined } };
