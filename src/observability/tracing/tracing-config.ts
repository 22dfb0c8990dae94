import type { EnvReader } from '../../lib/env-reader.js';

export type TraceExporterKind = 'otlp' | 'console';
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/** Where spans go; null exporter: tracing is off (a no-op tracer, nothing recorded). */
export interface TracingConfig {
  readonly exporter: TraceExporterKind | null;
  /** The full OTLP traces URL (…/v1/traces). */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  readonly serviceName: string;
  /** OTEL_BSP_SCHEDULE_DELAY in ms; undefined: the SDK's own default (5000). */
  readonly batchDelayMs: number | undefined;
}

const DEFAULT_OTLP_BASE = 'http://localhost:4318';
const PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json'];

/**
 * The standard OTEL_* variables that decide whether and where traces go. Off unless an OTLP
 * endpoint or OTEL_TRACES_EXPORTER says otherwise; OTEL_SDK_DISABLED and OTEL_TRACES_EXPORTER=none
 * turn it off whatever else is set. The SDK reads the remaining OTEL_* variables itself.
 */
export function readTracingConfig(r: EnvReader): TracingConfig {
  const disabled = r.bool('OTEL_SDK_DISABLED', false);
  const exporterName = r.raw('OTEL_TRACES_EXPORTER')?.toLowerCase();
  const base = r.url('OTEL_EXPORTER_OTLP_ENDPOINT');
  const tracesUrl = r.url('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const protocol =
    r.raw('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined
      ? r.oneOf<OtlpProtocol>('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', PROTOCOLS, 'http/protobuf', (v) => v.toLowerCase())
      : r.oneOf<OtlpProtocol>('OTEL_EXPORTER_OTLP_PROTOCOL', PROTOCOLS, 'http/protobuf', (v) => v.toLowerCase());
  let exporter: TraceExporterKind | null = null;
  if (exporterName === undefined) exporter = base !== undefined || tracesUrl !== undefined ? 'otlp' : null;
  else if (exporterName === 'otlp' || exporterName === 'console') exporter = exporterName;
  else if (exporterName !== 'none') r.problems.push(`OTEL_TRACES_EXPORTER must be otlp, console or none (got "${exporterName}")`);
  return {
    exporter: disabled ? null : exporter,
    // The per-signal variable is used as given; the general one gets the signal's path appended.
    endpoint: tracesUrl ?? `${(base ?? DEFAULT_OTLP_BASE).replace(/\/+$/, '')}/v1/traces`,
    protocol,
    serviceName: r.string('OTEL_SERVICE_NAME', 'claude-code-server'),
    batchDelayMs: r.raw('OTEL_BSP_SCHEDULE_DELAY') === undefined ? undefined : r.int('OTEL_BSP_SCHEDULE_DELAY', 5000, 0, 3_600_000),
  };
}
