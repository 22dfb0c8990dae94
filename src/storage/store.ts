import type { TaskEvent } from '../events/event-types.js';
import type { Session, SessionPatch } from '../sessions/session-types.js';
import type { Task, TaskPatch, TaskStatus } from '../tasks/task-types.js';
import type { WebhookDelivery, WebhookDeliveryPatch } from '../webhooks/webhook-types.js';

export interface TaskListQuery {
  status?: TaskStatus | undefined;
  /** Only this tenant's tasks. */
  tenant_id?: string | undefined;
  /** 1..500 */
  limit: number;
  /** Opaque, from a previous page's `next_cursor`. */
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * The storage contract every adapter (memory, sqlite, redis) implements, and that
 * test/contract/store.contract.ts checks. Rules every adapter must keep:
 *
 * - All methods are async and return copies: mutating a returned object changes nothing stored.
 * - insertTask / insertSession are atomic insert-if-absent; on a clash they return the stored
 *   record with `inserted: false` and leave it untouched.
 * - Tasks list newest first (created_at, then task_id, descending); cursors are stable under
 *   concurrent inserts.
 * - Events are append-only. appendEvent requires `seq` to be exactly lastEventSeq + 1 for the
 *   task and rejects anything else, so a gap or a duplicate can never be stored.
 * - readEvents returns events with seq > afterSeq in seq order, at most `limit` of them.
 * - close() flushes everything; a store reopened on the same data sees all acknowledged writes.
 */
export interface Store {
  insertTask(task: Task): Promise<{ inserted: boolean; task: Task }>;
  getTask(taskId: string): Promise<Task | null>;
  updateTask(taskId: string, patch: TaskPatch): Promise<Task | null>;
  listTasks(query: TaskListQuery): Promise<Page<Task>>;
  /** Every task in one of these statuses, oldest first (used for recovery and the queue). */
  tasksWithStatus(statuses: readonly TaskStatus[]): Promise<Task[]>;

  insertSession(session: Session): Promise<{ inserted: boolean; session: Session }>;
  getSession(sessionId: string): Promise<Session | null>;
  updateSession(sessionId: string, patch: SessionPatch): Promise<Session | null>;
  deleteSession(sessionId: string): Promise<boolean>;
  listSessions(): Promise<Session[]>;

  /**
   * Deletes up to `limit` finished tasks (completed, failed, interrupted, timed_out) whose
   * completed_at is before `cutoffIso`, with their events, diffs and webhook deliveries;
   * returns how many were deleted.
   * Bounded so retention can run in small batches without blocking requests.
   */
  pruneFinishedBefore(cutoffIso: string, limit: number): Promise<number>;

  /** What a tenant's tasks created at or after `sinceIso` have cost, in USD (monthly budgets). */
  tenantSpendSince(tenantId: string, sinceIso: string): Promise<number>;

  /** The unified diff of a finished task's changes (see changes/); replaced if saved again. */
  saveTaskDiff(taskId: string, diff: string): Promise<void>;
  getTaskDiff(taskId: string): Promise<string | null>;

  /** The webhook outbox. Deliveries are deleted with their task by pruneFinishedBefore. */
  insertWebhookDelivery(delivery: WebhookDelivery): Promise<void>;
  /**
   * Atomically takes up to `limit` pending deliveries whose next attempt is due at `nowIso`,
   * earliest due first (then by webhook_id), and moves their next_attempt_at to `leaseUntilIso`, so that no other caller
   * takes them while they are being sent.
   */
  claimDueWebhookDeliveries(nowIso: string, leaseUntilIso: string, limit: number): Promise<WebhookDelivery[]>;
  updateWebhookDelivery(webhookId: string, patch: WebhookDeliveryPatch): Promise<void>;
  /** A task's deliveries, oldest first. */
  listWebhookDeliveries(taskId: string): Promise<WebhookDelivery[]>;

  appendEvent(event: TaskEvent): Promise<void>;
  readEvents(taskId: string, afterSeq: number, limit?: number): Promise<TaskEvent[]>;
  lastEventSeq(taskId: string): Promise<number>;

  /**
   * Optional: a small real write that is undone at once, proving storage takes writes again
   * after a failure (see storage-health.ts). Without it, a read is tried instead.
   */
  probe?(): Promise<void>;

  close(): Promise<void>;
}

export class EventSeqConflictError extends Error {
  constructor(taskId: string, expected: number, got: number) {
    super(`event seq for ${taskId} must be ${expected}, got ${got}`);
    this.name = 'EventSeqConflictError';
  }
}

export function encodeCursor(task: Pick<Task, 'created_at' | 'task_id'>): string {
  return Buffer.from(JSON.stringify([task.created_at, task.task_id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  return null;
}

/** Newest first: the order every adapter lists tasks in. */
export function compareTasksNewestFirst(a: Pick<Task, 'created_at' | 'task_id'>, b: Pick<Task, 'created_at' | 'task_id'>): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.task_id < b.task_id ? 1 : a.task_id > b.task_id ? -1 : 0;
}

/**
 * A write refused because another instance now owns the task (its fencing token changed, see
 * contract D in docs/scaling.md): the writer lost its lease and must stop.
 */
export class FencedWriteError extends Error {
  constructor(readonly taskId: string) {
    super(`FENCED: task ${taskId} is now owned by another instance`);
    this.name = 'FencedWriteError';
  }
}

export { StorageUnavailableError } from './storage-unavailable.js';
