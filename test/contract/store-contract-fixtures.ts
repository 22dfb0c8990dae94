import { expect } from 'vitest';
import type { TaskEvent } from '../../src/events/event-types.js';
import type { Session } from '../../src/sessions/session-types.js';
import type { Store } from '../../src/storage/store.js';
import type { Task, TaskStatus } from '../../src/tasks/task-types.js';
import { taskRecord } from '../helpers/task-record.js';

export interface StoreHarness {
  store: Store;
  /** Closing the current store is the caller's job; this opens a new one on the same data. */
  reopen?: () => Promise<Store>;
  cleanup(): Promise<void>;
}

/** The harness of the running test: storeContract opens a fresh one before each test. */
export type CurrentHarness = () => StoreHarness;

export const at = (second: number): string => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();

export function makeTask(overrides: Partial<Task> = {}): Task {
  return taskRecord('task-1', 'queued', {
    tenant_id: 'default',
    session_id: 'session-1',
    prompt: 'Say hello',
    workspace: '/workspaces/one',
    options: { allowed_tools: ['Read', 'Edit'], permission_mode: 'acceptEdits', max_turns: 5, timeout: 60, model: null },
    created_at: at(0),
    request_hash: 'hash-1',
    ...overrides,
  });
}

export function makeSession(overrides: Partial<Session> = {}): Session {
  return {
    session_id: 'session-1',
    tenant_id: 'default',
    workspace: '/workspaces/one',
    status: 'idle',
    sdk_session_id: null,
    created_at: at(0),
    last_activity_at: at(0),
    task_count: 0,
    current_task_id: null,
    cost_usd: 0,
    sdk_cost_total_usd: 0,
    ...overrides,
  };
}

export function makeEvent(taskId: string, seq: number, text = `event ${seq}`): TaskEvent {
  return { task_id: taskId, seq, timestamp: at(seq), type: 'message', data: { role: 'assistant', text } };
}

export const finished = (id: string, status: TaskStatus, completedAt: string | null): Task =>
  makeTask({ task_id: id, status, created_at: at(0), started_at: at(0), completed_at: completedAt });

export async function appendMany(store: Store, taskId: string, count: number): Promise<void> {
  for (let seq = 1; seq <= count; seq++) await store.appendEvent(makeEvent(taskId, seq));
}

/** Every task, page by page, with the cursors handed out. */
export async function allPages(store: Store, limit: number, status?: TaskStatus): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await store.listTasks({ limit, status, cursor });
    pages++;
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((t) => t.task_id));
    if (page.next_cursor === null) return { ids, pages };
    cursor = page.next_cursor;
    if (pages > 100) throw new Error('paging does not terminate');
  }
}
