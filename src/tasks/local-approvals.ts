import { randomUUID } from 'node:crypto';
import type { ApprovalDecision, ToolApproval, ToolCallForApproval } from '../agent/agent-types.js';
import { DomainError } from '../errors.js';
import type { EventDraft, PermissionDecisionData } from '../events/event-types.js';
import type { Logger } from '../observability/logger.js';
import type { RelayedPermissionAnswer } from './queue/task-queue.js';
import type { Task } from './task-types.js';
import type { PendingPermission } from '../../packages/client/src/types.js';

/** A request as GET /api/v1/tasks/{id} shows it while it waits: the API's own type. */
export type { PendingPermission };

export function notPending(requestId: string): DomainError {
  return new DomainError(
    'PERMISSION_REQUEST_NOT_PENDING',
    `Permission request ${requestId} is not pending: unknown, or already answered, timed out or ended with its task`,
  );
}

/** options.approval_timeout when the task does not set it, in seconds. */
export const DEFAULT_APPROVAL_TIMEOUT_SECONDS = 600;

/** The client's answer (POST /api/v1/tasks/{id}/permissions/{request_id}). */
export type PermissionAnswer = RelayedPermissionAnswer;

interface Waiting {
  view: PendingPermission;
  settle: (decision: ApprovalDecision, by: PermissionDecisionData['decided_by'], message: string | null) => void;
}

export interface LocalApprovalsDeps {
  /** Appends to the task's event stream (permission_request, permission_decision). */
  emit: (taskId: string, event: EventDraft) => Promise<unknown>;
  /** Notifies the task's webhook (WebhookOutbox.permissionRequested). */
  notify?: (task: Task, request: { request_id: string; tool_name: string }) => Promise<void>;
  logger: Logger;
  now: () => Date;
  newId?: () => string;
}

/**
 * The approval round-trip: tool calls held by a task's tool gate, keyed by task and request id,
 * until the client answers over the API. Fail-closed: a timeout, an interrupt, a task timeout
 * or a shutdown denies; nothing but an explicit `allow` lets a call run. Lives in the instance
 * that runs the task (the agent process waits here).
 */
export class LocalApprovals {
  private readonly byTask = new Map<string, Map<string, Waiting>>();

  constructor(private readonly deps: LocalApprovalsDeps) {}

  /** The approval hook for one task's turn, or null when it needs none. */
  approvalFor(task: Task): ToolApproval | null {
    const tools = task.options.require_approval ?? [];
    if (tools.length === 0) return null;
    const timeoutMs = (task.options.approval_timeout ?? DEFAULT_APPROVAL_TIMEOUT_SECONDS) * 1000;
    return { tools, ask: (call) => this.ask(task, call, timeoutMs) };
  }

  pending(taskId: string): PendingPermission[] {
    return [...(this.byTask.get(taskId)?.values() ?? [])].map((w) => w.view);
  }

  /** The client's answer; 409 when the request is unknown here or already settled. */
  answer(taskId: string, requestId: string, answer: PermissionAnswer): PendingPermission {
    const waiting = this.byTask.get(taskId)?.get(requestId);
    if (!waiting) throw notPending(requestId);
    const message = answer.message ?? null;
    if (answer.decision === 'allow') waiting.settle({ allow: true, updatedInput: answer.updated_input ?? null }, 'client', message);
    else waiting.settle({ allow: false, message: `The client denied this ${waiting.view.tool_name} call${message ? `: ${message}` : '.'}` }, 'client', message);
    return waiting.view;
  }

  /** Denies every pending request of a task (interrupted, timed out, shut down, finished). */
  denyAll(taskId: string, why: string): void {
    for (const waiting of [...(this.byTask.get(taskId)?.values() ?? [])]) {
      waiting.settle({ allow: false, message: `Denied without an answer: ${why}.` }, 'task_ended', why);
    }
  }

  private ask(task: Task, call: ToolCallForApproval, timeoutMs: number): Promise<ApprovalDecision> {
    const taskId = task.task_id;
    const requestedAt = this.deps.now();
    const view: PendingPermission = {
      request_id: this.deps.newId?.() ?? `perm_${randomUUID().replace(/-/g, '')}`,
      tool_name: call.toolName,
      tool_use_id: call.toolUseId,
      input: call.input,
      // The PreToolUse hook gets no reason from the CLI; the field is kept for when it does.
      reason: null,
      requested_at: requestedAt.toISOString(),
      expires_at: new Date(requestedAt.getTime() + timeoutMs).toISOString(),
    };
    const requestId = view.request_id;
    return new Promise<ApprovalDecision>((resolve) => {
      const forTask = this.byTask.get(taskId) ?? new Map<string, Waiting>();
      this.byTask.set(taskId, forTask);
      const timer = setTimeout(() => {
        const seconds = Math.round(timeoutMs / 1000);
        waiting.settle({ allow: false, message: `Denied: nobody answered within approval_timeout (${seconds} s).` }, 'timeout', null);
      }, timeoutMs);
      const waiting: Waiting = {
        view,
        settle: (decision, by, message) => {
          if (forTask.get(requestId) !== waiting) return;
          clearTimeout(timer);
          forTask.delete(requestId);
          if (forTask.size === 0) this.byTask.delete(taskId);
          const data: PermissionDecisionData = { request_id: requestId, decision: decision.allow ? 'allow' : 'deny', decided_by: by, message };
          // The decision is in the stream before the call runs (or is refused).
          void this.emit(taskId, { type: 'permission_decision', data }).finally(() => resolve(decision));
        },
      };
      forTask.set(requestId, waiting);
      const { expires_at, requested_at: _at, ...rest } = view;
      void this.emit(taskId, { type: 'permission_request', data: { ...rest, expires_at } });
      this.deps.notify?.(task, { request_id: requestId, tool_name: call.toolName }).catch((error: unknown) => {
        this.deps.logger.warn('Could not queue the permission_request webhook', { task_id: taskId, error });
      });
    });
  }

  private async emit(taskId: string, event: EventDraft): Promise<void> {
    try {
      await this.deps.emit(taskId, event);
    } catch (error) {
      this.deps.logger.warn('Could not record a permission event', { task_id: taskId, type: event.type, error });
    }
  }
}
