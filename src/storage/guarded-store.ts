import type { TaskEvent } from '../events/event-types.js';
import type { Session, SessionPatch } from '../sessions/session-types.js';
import type { Task, TaskPatch, TaskStatus } from '../tasks/task-types.js';
import type { StorageHealth } from './storage-health.js';
import type { WebhookDelivery, WebhookDeliveryPatch } from '../webhooks/webhook-types.js';
import type { Page, Store, TaskListQuery } from './store.js';

/**
 * Wraps any Store so that a storage failure (disk full, I/O error, read-only file, lost
 * connection) is noticed in one place: it marks the server degraded and surfaces as a
 * StorageUnavailableError, whatever the backend. While degraded, writes are refused at once;
 * reads are still tried, since a full disk can still be read.
 */
export class GuardedStore implements Store {
  constructor(
    readonly inner: Store,
    private readonly health: StorageHealth,
  ) {}

  /** A real write that is undone at once; proves storage takes writes again. */
  async probe(): Promise<void> {
    if (this.inner.probe) await this.inner.probe();
    else await this.inner.lastEventSeq('');
  }

  insertTask(task: Task): Promise<{ inserted: boolean; task: Task }> {
    return this.write(() => this.inner.insertTask(task));
  }
  getTask(taskId: string): Promise<Task | null> {
    return this.read(() => this.inner.getTask(taskId));
  }
  updateTask(taskId: string, patch: TaskPatch): Promise<Task | null> {
    return this.write(() => this.inner.updateTask(taskId, patch));
  }
  listTasks(query: TaskListQuery): Promise<Page<Task>> {
    return this.read(() => this.inner.listTasks(query));
  }
  tasksWithStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    return this.read(() => this.inner.tasksWithStatus(statuses));
  }
  insertSession(session: Session): Promise<{ inserted: boolean; session: Session }> {
    return this.write(() => this.inner.insertSession(session));
  }
  getSession(sessionId: string): Promise<Session | null> {
    return this.read(() => this.inner.getSession(sessionId));
  }
  updateSession(sessionId: string, patch: SessionPatch): Promise<Session | null> {
    return this.write(() => this.inner.updateSession(sessionId, patch));
  }
  deleteSession(sessionId: string): Promise<boolean> {
    return this.write(() => this.inner.deleteSession(sessionId));
  }
  listSessions(): Promise<Session[]> {
    return this.read(() => this.inner.listSessions());
  }
  pruneFinishedBefore(cutoffIso: string, limit: number): Promise<number> {
    return this.write(() => this.inner.pruneFinishedBefore(cutoffIso, limit));
  }
  tenantSpendSince(tenantId: string, sinceIso: string): Promise<number> {
    return this.read(() => this.inner.tenantSpendSince(tenantId, sinceIso));
  }
  saveTaskDiff(taskId: string, diff: string): Promise<void> {
    return this.write(() => this.inner.saveTaskDiff(taskId, diff));
  }
  getTaskDiff(taskId: string): Promise<string | null> {
    return this.read(() => this.inner.getTaskDiff(taskId));
  }
  insertWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    return this.write(() => this.inner.insertWebhookDelivery(delivery));
  }
  claimDueWebhookDeliveries(nowIso: string, leaseUntilIso: string, limit: number): Promise<WebhookDelivery[]> {
    return this.write(() => this.inner.claimDueWebhookDeliveries(nowIso, leaseUntilIso, limit));
  }
  updateWebhookDelivery(webhookId: string, patch: WebhookDeliveryPatch): Promise<void> {
    return this.write(() => this.inner.updateWebhookDelivery(webhookId, patch));
  }
  listWebhookDeliveries(taskId: string): Promise<WebhookDelivery[]> {
    return this.read(() => this.inner.listWebhookDeliveries(taskId));
  }
  appendEvent(event: TaskEvent): Promise<void> {
    return this.write(() => this.inner.appendEvent(event));
  }
  readEvents(taskId: string, afterSeq: number, limit?: number): Promise<TaskEvent[]> {
    return this.read(() => this.inner.readEvents(taskId, afterSeq, limit));
  }
  lastEventSeq(taskId: string): Promise<number> {
    return this.read(() => this.inner.lastEventSeq(taskId));
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private async write<T>(operation: () => Promise<T>): Promise<T> {
    this.health.assertWritable();
    return this.read(operation);
  }

  private async read<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw this.health.noteFailure(error) ?? error;
    }
  }
}
