import type { TaskTraceContext } from '../../observability/tracing/trace-context.js';
import type { ChangedFile } from '../../changes/change-types.js';
import type { TaskError } from '../../errors.js';
import { WEBHOOK_DELIVERY_FIELDS, type WebhookDelivery, type WebhookTarget } from '../../webhooks/webhook-types.js';
import type { TaskEvent } from '../../events/event-types.js';
import { SESSION_FIELDS, type ForkedFrom, type Session, type SessionStatus } from '../../sessions/session-types.js';
import { TASK_FIELDS, type ForkPoint, type Task, type TaskOptions, type TaskStatus, type TaskUsage } from '../../tasks/task-types.js';

/** Rows as better-sqlite3 binds and returns them: nested fields are JSON text. */
export interface TaskRow {
  task_id: string;
  tenant_id: string;
  session_id: string;
  prompt: string;
  workspace: string;
  options: string;
  status: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  result: string | null;
  usage: string;
  num_turns: number;
  cost_usd: number;
  duration_ms: number | null;
  error: string | null;
  request_hash: string;
  webhook: string | null;
  changed_files: string | null;
  instance_id: string | null;
  /** JSON text of the structured result; NULL for none. */
  structured_result: string | null;
  schedule_id: string | null;
  trigger_id: string | null;
  /** JSON text of the fork point; NULL for none. */
  fork_point: string | null;
  /** JSON text of the task's trace context; NULL when it was submitted untraced. */
  trace_context: string | null;
}

/** A session row is the session itself; its status comes back as plain text, forked_from as JSON text. */
export type SessionRow = Omit<Session, 'status' | 'forked_from' | 'last_turn_task_id'> & {
  status: string;
  forked_from: string | null;
  last_turn_task_id: string | null;
};

export interface EventRow {
  task_id: string;
  seq: number;
  type: string;
  timestamp: string;
  data: string;
}

export const TASK_COLUMNS = TASK_FIELDS satisfies readonly (keyof TaskRow)[];

export const SESSION_COLUMNS = SESSION_FIELDS satisfies readonly (keyof SessionRow)[];

const parse = <T>(json: string): T => JSON.parse(json) as T;
const parseNullable = <T>(json: string | null): T | null => (json === null ? null : parse<T>(json));

export function taskToRow(task: Task): TaskRow {
  return {
    task_id: task.task_id,
    tenant_id: task.tenant_id,
    session_id: task.session_id,
    prompt: task.prompt,
    workspace: task.workspace,
    options: JSON.stringify(task.options),
    status: task.status,
    created_at: task.created_at,
    started_at: task.started_at,
    completed_at: task.completed_at,
    result: task.result,
    usage: JSON.stringify(task.usage),
    num_turns: task.num_turns,
    cost_usd: task.cost_usd,
    duration_ms: task.duration_ms,
    error: task.error === null ? null : JSON.stringify(task.error),
    request_hash: task.request_hash,
    webhook: task.webhook === null ? null : JSON.stringify(task.webhook),
    changed_files: task.changed_files === null ? null : JSON.stringify(task.changed_files),
    instance_id: task.instance_id ?? null,
    structured_result: task.structured_result === undefined || task.structured_result === null ? null : JSON.stringify(task.structured_result),
    schedule_id: task.schedule_id ?? null,
    trigger_id: task.trigger_id ?? null,
    fork_point: task.fork_point ? JSON.stringify(task.fork_point) : null,
    trace_context: task.trace_context ? JSON.stringify(task.trace_context) : null,
  };
}

export function rowToTask(row: TaskRow): Task {
  const task: Task = {
    task_id: row.task_id,
    tenant_id: row.tenant_id,
    session_id: row.session_id,
    prompt: row.prompt,
    workspace: row.workspace,
    options: parse<TaskOptions>(row.options),
    status: row.status as TaskStatus,
    created_at: row.created_at,
    started_at: row.started_at,
    completed_at: row.completed_at,
    result: row.result,
    usage: parse<TaskUsage>(row.usage),
    num_turns: row.num_turns,
    cost_usd: row.cost_usd,
    duration_ms: row.duration_ms,
    error: parseNullable<TaskError>(row.error),
    request_hash: row.request_hash,
    webhook: parseNullable<WebhookTarget>(row.webhook),
    changed_files: parseNullable<ChangedFile[]>(row.changed_files),
  };
  // Assigned rather than spread in: conditional spreads gave the object a new shape on every read.
  // Absent until the task starts, as the other stores keep it.
  if (row.instance_id !== null) task.instance_id = row.instance_id;
  // Optional on Task (tasks without an output_schema, stores that predate it): absent when none.
  if (row.structured_result !== null) task.structured_result = parse<unknown>(row.structured_result);
  if (row.schedule_id !== null) task.schedule_id = row.schedule_id;
  if (row.trigger_id !== null) task.trigger_id = row.trigger_id;
  if (row.fork_point !== null) task.fork_point = parse<ForkPoint>(row.fork_point);
  if (row.trace_context !== null) task.trace_context = parse<TaskTraceContext>(row.trace_context);
  return task;
}

export function sessionToRow(session: Session): SessionRow {
  return {
    session_id: session.session_id,
    tenant_id: session.tenant_id,
    workspace: session.workspace,
    status: session.status,
    sdk_session_id: session.sdk_session_id,
    created_at: session.created_at,
    last_activity_at: session.last_activity_at,
    task_count: session.task_count,
    current_task_id: session.current_task_id,
    cost_usd: session.cost_usd,
    sdk_cost_total_usd: session.sdk_cost_total_usd,
    forked_from: session.forked_from ? JSON.stringify(session.forked_from) : null,
    last_turn_task_id: session.last_turn_task_id ?? null,
  };
}

export function rowToSession(row: SessionRow): Session {
  const { forked_from, last_turn_task_id, ...rest } = row;
  const session: Session = { ...rest, status: row.status as SessionStatus };
  // Absent when unset, as the other stores keep them.
  if (forked_from !== null) session.forked_from = parse<ForkedFrom>(forked_from);
  if (last_turn_task_id !== null) session.last_turn_task_id = last_turn_task_id;
  return session;
}

export function eventToRow(event: TaskEvent): EventRow {
  return { task_id: event.task_id, seq: event.seq, type: event.type, timestamp: event.timestamp, data: JSON.stringify(event.data) };
}

export function rowToEvent(row: EventRow): TaskEvent {
  return { seq: row.seq, task_id: row.task_id, type: row.type, timestamp: row.timestamp, data: parse(row.data) } as TaskEvent;
}

/** Keys of `patch` whose value is not undefined, merged over `base`. */
export function applyPatch<T extends object>(base: T, patch: NoInfer<Partial<T>>): T {
  const merged = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (merged as Record<string, unknown>)[key] = structuredClone(value);
  }
  return merged;
}

/** A webhook delivery row is the delivery itself; its enums come back as plain text. */
export type WebhookDeliveryRow = Omit<WebhookDelivery, 'status' | 'event'> & { status: string; event: string };

export const WEBHOOK_DELIVERY_COLUMNS = WEBHOOK_DELIVERY_FIELDS satisfies readonly (keyof WebhookDeliveryRow)[];

export function rowToWebhookDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return { ...row } as WebhookDelivery;
}

export const insertSql = (table: string, columns: readonly string[], key: string): string =>
  `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')}) ON CONFLICT (${key}) DO NOTHING`;
export const updateSql = (table: string, columns: readonly string[], key: string): string =>
  `UPDATE ${table} SET ${columns
    .filter((c) => c !== key)
    .map((c) => `${c} = @${c}`)
    .join(', ')} WHERE ${key} = @${key} RETURNING *`;

/** A row limit as SQLite wants it: a non-negative integer (a negative LIMIT would mean "no limit"). */
export const rowLimit = (limit: number): number => (Number.isNaN(limit) ? 0 : Math.max(0, Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER)));
