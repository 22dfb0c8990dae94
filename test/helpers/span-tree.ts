import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { waitFor } from './client.js';

/** A finished span as the suites look at it: ids, parent, name, attributes and status. */
export interface SpanView {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
  error: string | undefined;
}

export function viewOf(span: ReadableSpan): SpanView {
  const context = span.spanContext();
  return {
    name: span.name,
    traceId: context.traceId,
    spanId: context.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: { ...span.attributes },
    error: span.status.code === 2 ? (span.status.message ?? '') : undefined,
  };
}

/** The spans of one trace, once its task span (recorded last, as the task ends) is in. */
export async function traceOf(exporter: InMemorySpanExporter, traceId: string): Promise<SpanView[]> {
  return waitFor(async () => {
    const spans = exporter
      .getFinishedSpans()
      .map(viewOf)
      .filter((s) => s.traceId === traceId);
    return spans.some((s) => s.name === 'task') ? spans : undefined;
  });
}

export function one(spans: SpanView[], name: string): SpanView {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span named ${name}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}
