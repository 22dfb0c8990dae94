import { api } from './api.js';
import { callout, h, replaceChildren } from './dom.js';
import { formatTime } from './format.js';
import { loadTaskPage, PAGE_SIZE, taskTable } from './task-table.js';
import { TASK_STATUSES, type TaskList } from './types.js';
import { every, navigate, type Cleanup, type ViewContext } from './view.js';

/** About 20 requests a minute: well inside the default rate limit of 100. */
const REFRESH_MS = 3000;

/** The task list: filters in the URL (so they can be shared), pages by cursor, refreshed live. */
export function renderTaskList(ctx: ViewContext): Cleanup {
  const status = ctx.query.get('status') ?? '';
  const session = ctx.query.get('session') ?? '';
  // `?limit=` in the hash sizes a page (1-100); the filters keep it.
  const requested = Number(ctx.query.get('limit'));
  const pageSize = Number.isInteger(requested) && requested >= 1 && requested <= 100 ? requested : PAGE_SIZE;
  // Cursors of the pages before this one, so "Newer" can go back.
  const previous: (string | undefined)[] = [];
  let cursor: string | undefined;
  let page: TaskList | null = null;

  const applyFilters = (next: { status?: string; session?: string }) => {
    const query = new URLSearchParams();
    const s = next.status ?? status;
    const se = next.session ?? session;
    if (s) query.set('status', s);
    if (se) query.set('session', se);
    if (pageSize !== PAGE_SIZE) query.set('limit', String(pageSize));
    const text = query.toString();
    navigate(`/tasks${text ? `?${text}` : ''}`);
  };

  const statusSelect = h(
    'select',
    { name: 'status', 'aria-label': 'Status', onchange: () => applyFilters({ status: statusSelect.value }) },
    h('option', { value: '' }, 'All statuses'),
    ...TASK_STATUSES.map((s) => h('option', { value: s, selected: s === status }, s.replace('_', ' '))),
  );
  const sessions = h('datalist', { id: 'session-options' });
  const sessionInput = h('input', { name: 'session', placeholder: 'Session id', list: 'session-options', value: session, 'aria-label': 'Session' });
  sessionInput.addEventListener('change', () => applyFilters({ session: sessionInput.value.trim() }));
  const live = h('span', { class: 'live', 'data-testid': 'live' }, 'connecting…');
  const table = h('div', { class: 'table-wrap' });
  const pager = h('div', { class: 'pager' });
  const errors = h('div', {});

  const draw = () => {
    if (page === null) return;
    replaceChildren(table, taskTable(page.tasks, ctx.me.tenant));
    replaceChildren(
      pager,
      h('button', { disabled: previous.length === 0, onclick: () => void go(previous.pop(), false) }, '← Newer'),
      h('span', { class: 'muted', 'data-testid': 'page' }, `Page ${previous.length + 1}`),
      h('button', { disabled: page.next_cursor === null, onclick: () => void go(page?.next_cursor ?? undefined, true) }, 'Older →'),
    );
  };
  const refresh = async () => {
    try {
      page = await loadTaskPage({ status, session }, cursor, pageSize);
      replaceChildren(errors);
      live.textContent = `live · updated ${formatTime(new Date().toISOString())}`;
      live.classList.remove('stale');
      draw();
    } catch (error) {
      live.textContent = 'offline';
      live.classList.add('stale');
      replaceChildren(errors, callout('error', 'Could not load tasks', String(error instanceof Error ? error.message : error)));
    }
  };
  const go = async (next: string | undefined, forward: boolean) => {
    if (forward) previous.push(cursor);
    cursor = next;
    await refresh();
  };

  replaceChildren(
    ctx.main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, 'Tasks'),
      h('div', { class: 'actions' }, live, h('a', { class: 'button primary', href: '#/new' }, '+ New task')),
    ),
    h(
      'div',
      { class: 'toolbar' },
      statusSelect,
      sessionInput,
      sessions,
      status || session ? h('button', { class: 'ghost', onclick: () => navigate('/tasks') }, 'Clear filters') : null,
    ),
    errors,
    table,
    pager,
  );
  void api
    .listSessions('all')
    .then(({ sessions: list }) => replaceChildren(sessions, ...list.map((s) => h('option', { value: s.session_id }))))
    .catch(() => undefined);
  return every(REFRESH_MS, refresh);
}
