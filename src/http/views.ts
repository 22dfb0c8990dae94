import { traceIdOf } from '../observability/tracing/trace-context.js';
import type { FastifyRequest } from 'fastify';
import type { SubmittedTask, Task as TaskAnswer } from '../../packages/client/src/types.js';
import type { TaskEvent } from '../events/event-types.js';
import { clientAddress } from './client-address.js';
import type { Session } from '../sessions/session-types.js';
import type { PendingPermission } from '../tasks/local-approvals.js';
import { DEFAULT_PRIORITY } from '../tasks/queue/priority.js';
import type { Task } from '../tasks/task-types.js';
import { externalId } from '../tenancy/tenant.js';
import type { WebhookDelivery } from '../webhooks/webhook-types.js';

// Everything a client sees carries its own ids: the tenant prefix used inside never leaves.

/** The WebSocket address a client should use, as seen from the client (Host and proxy headers). */
export function websocketUrl(request: FastifyRequest, taskId: string): string {
  const { secure, host } = clientAddress(request);
  return `${secure ? 'wss' : 'ws'}://${host}/ws/tasks/${encodeURIComponent(externalId(taskId))}`;
}

export function submitView(request: FastifyRequest, task: Task): SubmittedTask {
  return {
    task_id: externalId(task.task_id),
    session_id: externalId(task.session_id),
    status: task.status,
    websocket_url: websocketUrl(request, task.task_id),
    created_at: task.created_at,
    trace_id: traceIdOf(task.trace_context),
  };
}

/**
 * `pending` is the task's waiting permission requests (LocalApprovals.pending).
 * One object literal naming every field, not a spread of the stored task plus extra fields: V8
 * gives a literal one stable shape, while a spread followed by new keys built a fresh one per
 * call and cost ~18 µs of the ~300 µs a GET of a task took (bench:rest profile). It returns the
 * API's Task, which the response schema equals (test/unit/client-contract.test.ts), so no field
 * is left out.
 */
export function taskView(request: FastifyRequest, task: Task, pending: PendingPermission[] = []): TaskAnswer {
  const { options } = task;
  return {
    task_id: externalId(task.task_id),
    session_id: externalId(task.session_id),
    prompt: task.prompt,
    workspace: task.workspace,
    // Tasks stored before the later options existed have none of them.
    options: {
      allowed_tools: options.allowed_tools,
      permission_mode: options.permission_mode,
      max_turns: options.max_turns,
      timeout: options.timeout,
      model: options.model,
      require_approval: options.require_approval ?? null,
      approval_timeout: options.approval_timeout ?? null,
      max_budget_usd: options.max_budget_usd ?? null,
      output_schema: options.output_schema ?? null,
      network: options.network ?? null,
      priority: options.priority ?? DEFAULT_PRIORITY,
      mcp_servers: options.mcp_servers ?? null,
    },
    status: task.status,
    created_at: task.created_at,
    started_at: task.started_at,
    completed_at: task.completed_at,
    result: task.result,
    usage: task.usage,
    num_turns: task.num_turns,
    cost_usd: task.cost_usd,
    duration_ms: task.duration_ms,
    error: task.error,
    webhook: task.webhook,
    changed_files: task.changed_files,
    instance_id: task.instance_id ?? null,
    structured_result: (task.structured_result ?? null) as unknown,
    schedule_id: task.schedule_id ? externalId(task.schedule_id) : null,
    trigger_id: task.trigger_id ?? null,
    trace_id: traceIdOf(task.trace_context),
    pending_permissions: pending,
    websocket_url: websocketUrl(request, task.task_id),
  };
}

export function sessionView(session: Session) {
  const { sdk_session_id, sdk_cost_total_usd: _total, tenant_id: _tenant, forked_from, last_turn_task_id: _lastTurn, ...rest } = session;
  return {
    ...rest,
    session_id: externalId(session.session_id),
    current_task_id: session.current_task_id === null ? null : externalId(session.current_task_id),
    claude_session_id: sdk_session_id,
    forked_from: forked_from ? { session_id: externalId(forked_from.session_id), task_id: externalId(forked_from.task_id) } : null,
  };
}

export function publicEvent(event: TaskEvent): TaskEvent {
  return { ...event, task_id: externalId(event.task_id) };
}

export function webhookDeliveryView(delivery: WebhookDelivery) {
  const { task_id: _task, tenant_id: _tenant, payload, ...rest } = delivery;
  return { ...rest, payload: JSON.parse(payload) as unknown };
}
