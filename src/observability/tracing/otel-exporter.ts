import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from './tracing-config.js';

export type { SpanExporter };

/**
 * Where finished spans go. The OTLP exporters take the endpoint and protocol chosen from the
 * OTEL_* variables, and read the rest themselves (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT,
 * _COMPRESSION). Batched, so a span never waits for the network; an exporter given by the caller
 * (tests: an in-memory one) gets each span at once.
 */
export function spanProcessorFor(config: TracingConfig, given?: SpanExporter): SpanProcessor {
  if (given) return new SimpleSpanProcessor(given);
  const exporter: SpanExporter =
    config.exporter === 'console'
      ? new ConsoleSpanExporter()
      : config.protocol === 'http/json'
        ? new OtlpJsonExporter({ url: config.endpoint })
        : new OtlpProtobufExporter({ url: config.endpoint });
  return new BatchSpanProcessor(exporter, config.batchDelayMs === undefined ? {} : { scheduledDelayMillis: config.batchDelayMs });
}
