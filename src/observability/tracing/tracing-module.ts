import type { Config } from '../../config.js';
import type { Module } from '../../server/module.js';
import { VERSION } from '../../server/version.js';
import type { SpanExporter } from './otel-exporter.js';
import { TaskTraces } from './task-traces.js';
import { NO_TRACER } from './tracer.js';

export type { SpanExporter };

/**
 * Task traces: the OpenTelemetry SDK when an exporter is configured (or given: tests pass an
 * in-memory one), else the no-op tracer, and then the SDK is not even loaded. Stopping sends
 * the spans still buffered.
 */
export async function createTracingModule(deps: { config: Config; exporter?: SpanExporter }): Promise<Module<TaskTraces>> {
  if (deps.config.tracing.exporter === null && deps.exporter === undefined) return { api: new TaskTraces(NO_TRACER) };
  const { createOtelTracer } = await import('./otel-tracer.js');
  const tracer = createOtelTracer(deps.config.tracing, { version: VERSION, ...(deps.exporter ? { exporter: deps.exporter } : {}) });
  return { api: new TaskTraces(tracer), stop: () => tracer.shutdown() };
}
