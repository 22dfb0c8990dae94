import { api } from './api.js';
import { h, link, statusBadge } from './dom.js';
import { formatCost, formatDuration, formatTime, formatTokens, taskDuration, truncate } from './format.js';
import type { Task, TaskList } from './types.js';

export const PAGE_SIZE = 25;
/** With a session filter the server cannot narrow the list, so pages are scanned this many at a time. */
const SCAN_PAGE = 500;
const SCAN_MAX_PAGES = 20;

/**
 * One page of tasks, newest first. The API filters by status itself; a session filter is applied
 * here, scanning server pages until a page's worth has matched. The returned cursor continues
 * the scan exactly where it stopped, so no task is skipped or shown twice.
 */
export async function loadTaskPage(filter: { status?: string; session?: string }, cursor?: string, pageSize = PAGE_SIZE): Promise<TaskList> {
  if (!filter.session) return api.listTasks({ status: filter.status, limit: pageSize, cursor });
  const tasks: Task[] = [];
  let next: string | null | undefined = cursor;
  for (let scanned = 0; scanned < SCAN_MAX_PAGES; scanned++) {
    const page = await api.listTasks({ status: filter.status, limit: SCAN_PAGE, cursor: next ?? undefined });
    tasks.push(...page.tasks.filter((task) => task.session_id === filter.session));
    next = page.next_cursor;
    if (next === null || tasks.length >= pageSize) break;
  }
  return { tasks, next_cursor: next ?? null };
}

export function taskTable(tasks: Task[], tenant: string, options: { showSession?: boolean } = {}): HTMLElement {
  const showSession = options.showSession ?? true;
  const now = Date.now();
  const head = h(
    'tr',
    {},
    h('th', {}, 'Task'),
    h('th', {}, 'Status'),
    h('th', {}, 'Tenant'),
    showSession ? h('th', {}, 'Session') : null,
    h('th', {}, 'Prompt'),
    h('th', {}, 'Created'),
    h('th', { class: 'num' }, 'Duration'),
    h('th', { class: 'num' }, 'Tokens'),
    h('th', { class: 'num' }, 'Cost'),
  );
  const rows = tasks.map((task) =>
    h(
      'tr',
      { 'data-task-id': task.task_id, 'data-status': task.status },
      h('td', { class: 'mono' }, link(`/tasks/${encodeURIComponent(task.task_id)}`, truncate(task.task_id, 28))),
      h('td', {}, statusBadge(task.status)),
      h('td', { class: 'muted' }, tenant),
      showSession ? h('td', { class: 'mono' }, link(`/sessions/${encodeURIComponent(task.session_id)}`, truncate(task.session_id, 28))) : null,
      h('td', { class: 'prompt', title: task.prompt }, truncate(task.prompt, 70)),
      h('td', { class: 'muted' }, formatTime(task.created_at)),
      h('td', { class: 'num' }, formatDuration(taskDuration(task, now))),
      h('td', { class: 'num' }, formatTokens(task.usage)),
      h('td', { class: 'num' }, formatCost(task.cost_usd)),
    ),
  );
  const body = rows.length > 0 ? rows : [h('tr', {}, h('td', { colspan: showSession ? 9 : 8, class: 'empty' }, 'No tasks here yet.'))];
  return h('table', { class: 'tasks' }, h('thead', {}, head), h('tbody', {}, ...body));
}
