import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type IdGenerator } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { spanProcessorFor, type SpanExporter } from './otel-exporter.js';
import { formatTraceparent, parseTraceparent } from './trace-context.js';
import type { SpanAttributes, TraceSpan, Tracer } from './tracer.js';
import type { TracingConfig } from './tracing-config.js';

/**
 * Random ids, except for the one span whose ids were chosen in advance (the task span, named as
 * parent by its children from submit on): recordSpan sets them around its one synchronous
 * startSpan call (the SDK asks for both ids, in either order), so no other span can take them.
 */
class PresetIdGenerator implements IdGenerator {
  preset: { traceId: string; spanId: string } | null = null;
  generateTraceId(): string {
    return this.preset?.traceId ?? randomBytes(16).toString('hex');
  }
  generateSpanId(): string {
    return this.preset?.spanId ?? randomBytes(8).toString('hex');
  }
}

/** The Tracer port on the OpenTelemetry SDK: a provider of its own, never the global one. */
export function createOtelTracer(config: TracingConfig, options: { version: string; exporter?: SpanExporter }): Tracer {
  const ids = new PresetIdGenerator();
  // OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES' service.name, as the spec says.
  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName, [ATTR_SERVICE_VERSION]: options.version }));
  const provider = new BasicTracerProvider({ resource, idGenerator: ids, spanProcessors: [spanProcessorFor(config, options.exporter)] });
  const tracer = provider.getTracer('claude-code-server', options.version);

  const wrap = (span: Span): TraceSpan => ({
    traceparent: traceparentOf(span.spanContext()),
    setAttributes: (attributes) => span.setAttributes(defined(attributes)),
    end: ({ error, endTime } = {}) => {
      if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: error });
      span.end(endTime);
    },
  });

  return {
    enabled: true,
    startSpan: (name, parentTraceparent, spanOptions = {}) =>
      wrap(
        tracer.startSpan(
          name,
          {
            kind: spanOptions.kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL,
            attributes: defined(spanOptions.attributes ?? {}),
            ...(spanOptions.startTime ? { startTime: spanOptions.startTime } : {}),
          },
          contextOf(parentTraceparent),
        ),
      ),
    recordSpan: (name, spanIds, recordOptions) => {
      const own = parseTraceparent(spanIds.traceparent);
      if (!own) return;
      ids.preset = { traceId: own.traceId, spanId: own.spanId };
      let span: Span;
      try {
        span = tracer.startSpan(
          name,
          { kind: SpanKind.SERVER, attributes: defined(recordOptions.attributes ?? {}), startTime: recordOptions.startTime },
          contextOf(spanIds.parent),
        );
      } finally {
        ids.preset = null;
      }
      wrap(span).end({ endTime: recordOptions.endTime, ...(recordOptions.error === undefined ? {} : { error: recordOptions.error }) });
    },
    shutdown: () => provider.shutdown(),
  };
}

function contextOf(traceparent: string | undefined): Context {
  const ids = parseTraceparent(traceparent);
  if (!ids) return ROOT_CONTEXT;
  const spanContext: SpanContext = {
    traceId: ids.traceId,
    spanId: ids.spanId,
    traceFlags: ids.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

function traceparentOf(context: SpanContext): string {
  return formatTraceparent({ traceId: context.traceId, spanId: context.spanId, sampled: (context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED });
}

/** OpenTelemetry drops undefined attribute values with a warning; they are left out here instead. */
function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}
