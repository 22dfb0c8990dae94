import { describe, expect, it } from 'vitest';
import { EnvReader } from '../../src/lib/env-reader.js';
import { newTaskTraceContext, parseTraceparent, traceIdOf, traceLogFields } from '../../src/observability/tracing/trace-context.js';
import { readTracingConfig } from '../../src/observability/tracing/tracing-config.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('traceparent', () => {
  it('parses a W3C traceparent, sampled or not', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
    // A later version may add fields after the flags; version 00 may not.
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-extra`)).toMatchObject({ traceId: TRACE });
  });

  it.each([
    ['empty', ''],
    ['garbage', 'not-a-traceparent'],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with more', `00-${TRACE}-${SPAN}-01-extra`],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
  ])('ignores a malformed one (%s)', (_name, header) => {
    expect(parseTraceparent(header)).toBeNull();
  });

  it("a task joins its caller's trace, with a span of its own under the caller's", () => {
    const context = newTaskTraceContext(`00-${TRACE}-${SPAN}-01`);
    expect(context.parent).toBe(`00-${TRACE}-${SPAN}-01`);
    const own = parseTraceparent(context.traceparent)!;
    expect(own.traceId).toBe(TRACE);
    expect(own.spanId).not.toBe(SPAN);
    expect(traceIdOf(context)).toBe(TRACE);
    expect(traceLogFields({ trace_context: context })).toEqual({ trace_id: TRACE });
  });

  it('without a caller (or with a malformed one) a task starts a new sampled trace', () => {
    const context = newTaskTraceContext('junk');
    expect(context.parent).toBeUndefined();
    expect(parseTraceparent(context.traceparent)).toMatchObject({ sampled: true });
    expect(traceIdOf(context)).not.toBe(traceIdOf(newTaskTraceContext(undefined)));
    expect(traceLogFields({ trace_context: null })).toEqual({});
  });
});

describe('OTEL_* variables', () => {
  const read = (env: Record<string, string>) => {
    const r = new EnvReader(env);
    return { config: readTracingConfig(r), problems: r.problems };
  };

  it('is off unless an endpoint or an exporter is named', () => {
    expect(read({}).config.exporter).toBeNull();
    expect(read({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).config).toMatchObject({
      exporter: 'otlp',
      endpoint: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      serviceName: 'claude-code-server',
    });
    expect(read({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/custom' }).config).toMatchObject({
      exporter: 'otlp',
      endpoint: 'http://collector:4318/custom',
    });
    expect(read({ OTEL_TRACES_EXPORTER: 'otlp' }).config).toMatchObject({ exporter: 'otlp', endpoint: 'http://localhost:4318/v1/traces' });
    expect(read({ OTEL_TRACES_EXPORTER: 'console' }).config.exporter).toBe('console');
  });

  it('none and OTEL_SDK_DISABLED win over an endpoint', () => {
    expect(read({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).config.exporter).toBeNull();
    expect(read({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).config.exporter).toBeNull();
  });

  it('takes http/json and the per-signal protocol first; refuses what it cannot send', () => {
    expect(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).config.protocol).toBe('http/json');
    expect(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }).config.protocol).toBe('http/protobuf');
    expect(read({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).problems).toEqual([expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL')]);
    expect(read({ OTEL_TRACES_EXPORTER: 'zipkin' }).problems).toEqual([expect.stringContaining('OTEL_TRACES_EXPORTER')]);
    expect(read({ OTEL_BSP_SCHEDULE_DELAY: '200' }).config.batchDelayMs).toBe(200);
  });
});
