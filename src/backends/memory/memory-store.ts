import type { TaskEvent } from '../../events/event-types.js';
import type { Session, SessionPatch } from '../../sessions/session-types.js';
import { isTerminal, type Task, type TaskPatch, type TaskStatus } from '../../tasks/task-types.js';
import type { WebhookDelivery, WebhookDeliveryPatch } from '../../webhooks/webhook-types.js';
import { compareTasksNewestFirst, decodeCursor, encodeCursor, EventSeqConflictError, type Page, type Store, type TaskListQuery } from '../../storage/store.js';

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryStore implements Store {
  private readonly tasks = new Map<string, Task>();
  private readonly sessions = new Map<string, Session>();
  private readonly events = new Map<string, TaskEvent[]>();
  private readonly diffs = new Map<string, string>();
  private readonly deliveries = new Map<string, WebhookDelivery>();

  async insertTask(task: Task): Promise<{ inserted: boolean; task: Task }> {
    const existing = this.tasks.get(task.task_id);
    if (existing) return { inserted: false, task: copy(existing) };
    this.tasks.set(task.task_id, copy(task));
    return { inserted: true, task: copy(task) };
  }

  async getTask(taskId: string): Promise<Task | null> {
    const task = this.tasks.get(taskId);
    return task ? copy(task) : null;
  }

  async updateTask(taskId: string, patch: TaskPatch): Promise<Task | null> {
    const task = this.tasks.get(taskId);
    if (!task) return null;
    Object.assign(task, copy(patch));
    return copy(task);
  }

  async listTasks(query: TaskListQuery): Promise<Page<Task>> {
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const matching = [...this.tasks.values()]
      .filter((t) => query.status === undefined || t.status === query.status)
      .filter((t) => query.tenant_id === undefined || t.tenant_id === query.tenant_id)
      .filter((t) => after === null || compareTasksNewestFirst({ created_at: after[0], task_id: after[1] }, t) < 0)
      .sort(compareTasksNewestFirst);
    const items = matching.slice(0, query.limit).map(copy);
    const last = items[items.length - 1];
    return { items, next_cursor: matching.length > query.limit && last ? encodeCursor(last) : null };
  }

  async tasksWithStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    return [...this.tasks.values()]
      .filter((t) => statuses.includes(t.status))
      .sort((a, b) => -compareTasksNewestFirst(a, b))
      .map(copy);
  }

  async pruneFinishedBefore(cutoffIso: string, limit: number): Promise<number> {
    let deleted = 0;
    for (const task of this.tasks.values()) {
      if (deleted >= limit) break;
      if (!isTerminal(task.status) || task.completed_at === null || task.completed_at >= cutoffIso) continue;
      this.tasks.delete(task.task_id);
      this.events.delete(task.task_id);
      this.diffs.delete(task.task_id);
      for (const [id, delivery] of this.deliveries) if (delivery.task_id === task.task_id) this.deliveries.delete(id);
      deleted++;
    }
    return deleted;
  }

  async insertSession(session: Session): Promise<{ inserted: boolean; session: Session }> {
    const existing = this.sessions.get(session.session_id);
    if (existing) return { inserted: false, session: copy(existing) };
    this.sessions.set(session.session_id, copy(session));
    return { inserted: true, session: copy(session) };
  }

  async getSession(sessionId: string): Promise<Session | null> {
    const session = this.sessions.get(sessionId);
    return session ? copy(session) : null;
  }

  async updateSession(sessionId: string, patch: SessionPatch): Promise<Session | null> {
    const session = this.sessions.get(sessionId);
    if (!session) return null;
    Object.assign(session, copy(patch));
    return copy(session);
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    return this.sessions.delete(sessionId);
  }

  async listSessions(): Promise<Session[]> {
    return [...this.sessions.values()].sort((a, b) => (a.created_at < b.created_at ? -1 : 1)).map(copy);
  }

  async tenantSpendSince(tenantId: string, sinceIso: string): Promise<number> {
    let total = 0;
    for (const task of this.tasks.values()) if (task.tenant_id === tenantId && task.created_at >= sinceIso) total += task.cost_usd;
    return total;
  }

  async saveTaskDiff(taskId: string, diff: string): Promise<void> {
    this.diffs.set(taskId, diff);
  }

  async getTaskDiff(taskId: string): Promise<string | null> {
    return this.diffs.get(taskId) ?? null;
  }

  async insertWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    if (!this.deliveries.has(delivery.webhook_id)) this.deliveries.set(delivery.webhook_id, copy(delivery));
  }

  async claimDueWebhookDeliveries(nowIso: string, leaseUntilIso: string, limit: number): Promise<WebhookDelivery[]> {
    const due = [...this.deliveries.values()]
      .filter((d) => d.status === 'pending' && d.next_attempt_at !== null && d.next_attempt_at <= nowIso)
      .sort((a, b) => a.next_attempt_at!.localeCompare(b.next_attempt_at!) || a.webhook_id.localeCompare(b.webhook_id))
      .slice(0, Math.max(0, limit));
    for (const delivery of due) delivery.next_attempt_at = leaseUntilIso;
    return due.map(copy);
  }

  async updateWebhookDelivery(webhookId: string, patch: WebhookDeliveryPatch): Promise<void> {
    const delivery = this.deliveries.get(webhookId);
    if (delivery) Object.assign(delivery, copy(patch));
  }

  async listWebhookDeliveries(taskId: string): Promise<WebhookDelivery[]> {
    return [...this.deliveries.values()]
      .filter((d) => d.task_id === taskId)
      .sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0))
      .map(copy);
  }

  async appendEvent(event: TaskEvent): Promise<void> {
    const log = this.events.get(event.task_id) ?? [];
    const expected = log.length + 1;
    if (event.seq !== expected) throw new EventSeqConflictError(event.task_id, expected, event.seq);
    log.push(copy(event));
    this.events.set(event.task_id, log);
  }

  async readEvents(taskId: string, afterSeq: number, limit = Number.MAX_SAFE_INTEGER): Promise<TaskEvent[]> {
    const log = this.events.get(taskId) ?? [];
    return log.slice(Math.max(0, afterSeq), Math.max(0, afterSeq) + limit).map(copy);
  }

  async lastEventSeq(taskId: string): Promise<number> {
    return this.events.get(taskId)?.length ?? 0;
  }

  async close(): Promise<void> {}
}
