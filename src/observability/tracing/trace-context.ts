import { randomBytes } from 'node:crypto';

/**
 * Where a task's spans hang, kept on its record so that whichever instance runs or finishes
 * the task continues the same trace: the task span's own W3C traceparent (chosen at submit),
 * and the caller's traceparent when the submit carried one (the task span's parent).
 */
export interface TaskTraceContext {
  traceparent: string;
  parent?: string;
}

export interface SpanIds {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** A W3C traceparent header, or null when it is malformed (then it is ignored, as the spec says). */
export function parseTraceparent(header: string | undefined): SpanIds | null {
  if (header === undefined) return null;
  const match = TRACEPARENT.exec(header.trim().toLowerCase());
  if (!match) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  // Version ff is invalid; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(ids: SpanIds): string {
  return `00-${ids.traceId}-${ids.spanId}-${ids.sampled ? '01' : '00'}`;
}

/** The task span's ids: in the caller's trace when it sent a valid traceparent, else a new trace. */
export function newTaskTraceContext(callerTraceparent: string | undefined): TaskTraceContext {
  const caller = parseTraceparent(callerTraceparent);
  const ids: SpanIds = {
    traceId: caller?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    sampled: caller?.sampled ?? true,
  };
  return caller ? { traceparent: formatTraceparent(ids), parent: formatTraceparent(caller) } : { traceparent: formatTraceparent(ids) };
}

/** The trace id of a task's record, or null for a task submitted while tracing was off. */
export function traceIdOf(context: TaskTraceContext | null | undefined): string | null {
  return parseTraceparent(context?.traceparent)?.traceId ?? null;
}

/** `{trace_id}` for a task's log lines when it is traced (nothing otherwise), so logs and traces join. */
export function traceLogFields(task: { trace_context?: TaskTraceContext | null }): { trace_id?: string } {
  const traceId = traceIdOf(task.trace_context);
  return traceId === null ? {} : { trace_id: traceId };
}
