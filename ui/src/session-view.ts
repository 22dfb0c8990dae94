import { api, ApiError } from './api.js';
import { callout, h, link, replaceChildren, statusBadge } from './dom.js';
import { formatCost, formatTime } from './format.js';
import { loadTaskPage, taskTable } from './task-table.js';
import { every, navigate, type Cleanup, type ViewContext } from './view.js';

const REFRESH_MS = 5000;

/** One session: its record, its tasks (newest first), and buttons to continue or delete it. */
export function renderSessionDetail(ctx: ViewContext, sessionId: string): Cleanup {
  const summary = h('div', { class: 'summary' });
  const tasks = h('div', { class: 'table-wrap' });
  const notices = h('div', {});
  const encoded = encodeURIComponent(sessionId);
  const remove = h('button', { class: 'danger' }, 'Delete session');
  remove.addEventListener('click', () => {
    if (!confirm(`Delete session ${sessionId}? Its running task is interrupted and queued ones are cancelled.`)) return;
    api
      .deleteSession(sessionId)
      .then(() => navigate('/sessions'))
      .catch((error: unknown) => replaceChildren(notices, callout('error', 'Delete failed', error instanceof Error ? error.message : String(error))));
  });
  replaceChildren(
    ctx.main,
    h('div', { class: 'crumbs' }, link('/sessions', 'Sessions'), ' / ', h('span', { class: 'mono' }, sessionId)),
    h(
      'div',
      { class: 'page-head' },
      h('h1', { class: 'mono' }, sessionId),
      h('div', { class: 'actions' }, h('a', { class: 'button primary', href: `#/new?session=${encoded}` }, 'Continue in this session'), remove),
    ),
    notices,
    summary,
    h('h2', {}, 'Tasks'),
    tasks,
  );

  const field = (label: string, value: Node | string, wide = false) =>
    h('div', { class: wide ? 'field wide' : 'field' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
  return every(REFRESH_MS, async () => {
    try {
      const session = await api.getSession(sessionId);
      replaceChildren(
        summary,
        field('Status', statusBadge(session.status)),
        field('Tasks', String(session.task_count)),
        field('Cost', formatCost(session.cost_usd)),
        field('Created', formatTime(session.created_at)),
        field('Last activity', formatTime(session.last_activity_at)),
        field('Workspace', h('span', { class: 'mono' }, session.workspace), true),
      );
      const page = await loadTaskPage({ session: sessionId });
      replaceChildren(tasks, taskTable(page.tasks, ctx.me.tenant, { showSession: false }));
    } catch (error) {
      const text = error instanceof ApiError && error.status === 404 ? `There is no session "${sessionId}".` : String(error);
      replaceChildren(notices, callout('error', 'Could not load the session', text));
    }
  });
}
