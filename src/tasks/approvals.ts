import { DomainError } from '../errors.js';
import type { EventLog } from '../events/event-log.js';
import type { PermissionDecisionData, TaskEvent } from '../events/event-types.js';
import { notPending, type PendingPermission, type PermissionAnswer, type LocalApprovals } from './local-approvals.js';
import type { Task } from './task-types.js';

/** How long an answer relayed to another instance may take to show up as its decision event. */
const RELAY_WAIT_MS = 5_000;
const PAGE = 500;

export interface ApprovalsDeps {
  local: LocalApprovals;
  events: EventLog;
  /** Whether a running task may be held by another instance (STORAGE_TYPE=redis). */
  shared: boolean;
  runsHere(taskId: string): boolean;
  relay(taskId: string, requestId: string, answer: PermissionAnswer): Promise<void>;
  relayWaitMs?: number;
}

/**
 * Approvals as every instance sees them. The instance running a task holds its waiting tool
 * calls (LocalApprovals); any other instance reads them from the task's events (a
 * `permission_request` with no `permission_decision` yet) and relays a client's answer to the
 * holder over the control channel, then waits for the decision to appear in the stream, so the
 * client learns whether its answer was the one that settled the call.
 */
export class Approvals {
  constructor(private readonly deps: ApprovalsDeps) {}

  async pending(task: Task): Promise<PendingPermission[]> {
    if (!this.heldElsewhere(task)) return this.deps.local.pending(task.task_id);
    return pendingIn(await this.readFrom(task.task_id, 0));
  }

  async answer(task: Task, requestId: string, answer: PermissionAnswer): Promise<void> {
    if (!this.heldElsewhere(task)) {
      this.deps.local.answer(task.task_id, requestId, answer);
      return;
    }
    const events = await this.readFrom(task.task_id, 0);
    if (!pendingIn(events).some((p) => p.request_id === requestId)) throw notPending(requestId);
    await this.deps.relay(task.task_id, requestId, answer);
    const decision = await this.decisionOf(task.task_id, requestId, events.at(-1)?.seq ?? 0);
    if (decision === null) {
      const message = `The instance running task ${task.task_id} did not take the answer to ${requestId} in time; retry`;
      throw new DomainError('INSTANCE_UNREACHABLE', message, undefined, 1);
    }
    // Settled by its timeout, the task's end or another client's answer first: not ours.
    if (decision.decided_by !== 'client' || decision.decision !== answer.decision) throw notPending(requestId);
  }

  private heldElsewhere(task: Task): boolean {
    return this.deps.shared && task.status === 'running' && (task.options.require_approval?.length ?? 0) > 0 && !this.deps.runsHere(task.task_id);
  }

  private async readFrom(taskId: string, afterSeq: number): Promise<TaskEvent[]> {
    const all: TaskEvent[] = [];
    for (;;) {
      const page = await this.deps.events.read(taskId, all.at(-1)?.seq ?? afterSeq, PAGE);
      all.push(...page);
      if (page.length < PAGE) return all;
    }
  }

  private async decisionOf(taskId: string, requestId: string, afterSeq: number): Promise<PermissionDecisionData | null> {
    const deadline = Date.now() + (this.deps.relayWaitMs ?? RELAY_WAIT_MS);
    let seen = afterSeq;
    while (Date.now() < deadline) {
      // Registered before the read, so an append in between wakes us (see EventLog.nextAppend).
      const next = this.deps.events.nextAppend(taskId);
      try {
        const events = await this.readFrom(taskId, seen);
        seen = events.at(-1)?.seq ?? seen;
        const decision = events.find((e) => e.type === 'permission_decision' && e.data.request_id === requestId);
        if (decision?.type === 'permission_decision') return decision.data;
        await Promise.race([next.promise, new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, deadline - Date.now()))))]);
      } finally {
        next.cancel();
      }
    }
    return null;
  }
}

/** The permission requests in a task's events that no decision has settled yet. */
export function pendingIn(events: readonly TaskEvent[]): PendingPermission[] {
  const open = new Map<string, PendingPermission>();
  for (const event of events) {
    if (event.type === 'permission_request') {
      const { request_id, tool_name, tool_use_id, input, reason, expires_at } = event.data;
      open.set(request_id, { request_id, tool_name, tool_use_id, input, reason, requested_at: event.timestamp, expires_at });
    } else if (event.type === 'permission_decision') open.delete(event.data.request_id);
  }
  return [...open.values()];
}
