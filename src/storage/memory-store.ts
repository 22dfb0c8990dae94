import type { TaskEvent } from '../events/event-types.js';
import type { Session, SessionPatch } from '../sessions/session-types.js';
import { isTerminal, type Task, type TaskPatch, type TaskStatus } from '../tasks/task-types.js';
import {
  compareTasksNewestFirst,
  decodeCursor,
  encodeCursor,
  EventSeqConflictError,
  type Page,
  type Store,
  type TaskListQuery,
} from './store.js';

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryStore implements Store {
  private readonly tasks = new Map<string, Task>();
  private readonly sessions = new Map<string, Session>();
  private readonly events = new Map<string, TaskEvent[]>();

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
