/** What the domain records on a span; the tracing module maps it to OpenTelemetry. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanOptions {
  attributes?: SpanAttributes;
  startTime?: Date;
  /** A call out of the server (the model API) rather than work inside it. */
  kind?: 'internal' | 'client';
}

export interface TraceSpan {
  /** This span's W3C traceparent: the parent of spans started under it. */
  readonly traceparent: string;
  setAttributes(attributes: SpanAttributes): void;
  /** Ends the span; with `error`, its status is ERROR with that message. */
  end(options?: { error?: string; endTime?: Date }): void;
}

/**
 * The port the domain traces through: the tracing module implements it with the OpenTelemetry
 * SDK, and NO_TRACER does nothing (tracing off costs a branch per hook).
 */
export interface Tracer {
  readonly enabled: boolean;
  startSpan(name: string, parentTraceparent: string, options?: SpanOptions): TraceSpan;
  /**
   * Records a finished span whose ids were chosen before it ran (the task span, whose id every
   * child names as parent from submit on, whichever instance runs the task).
   */
  recordSpan(
    name: string,
    ids: { traceparent: string; parent?: string },
    options: { attributes?: SpanAttributes; startTime: Date; endTime: Date; error?: string },
  ): void;
  /** Sends what is buffered, then stops. */
  shutdown(): Promise<void>;
}

const NO_SPAN: TraceSpan = { traceparent: '', setAttributes: () => undefined, end: () => undefined };

export const NO_TRACER: Tracer = {
  enabled: false,
  startSpan: () => NO_SPAN,
  recordSpan: () => undefined,
  shutdown: async () => undefined,
};
