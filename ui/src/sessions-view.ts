import { api } from './api.js';
import { callout, h, link, replaceChildren, statusBadge } from './dom.js';
import { formatCost, formatTime, truncate } from './format.js';
import { every, navigate, type Cleanup, type ViewContext } from './view.js';

const REFRESH_MS = 5000;
const FILTERS = [
  ['', 'Open (idle or busy)'],
  ['all', 'All'],
  ['idle', 'Idle'],
  ['busy', 'Busy'],
  ['expired', 'Expired'],
] as const;

export function renderSessions(ctx: ViewContext): Cleanup {
  const status = ctx.query.get('status') ?? '';
  const table = h('div', { class: 'table-wrap' });
  const select = h(
    'select',
    { 'aria-label': 'Session status', onchange: () => navigate(select.value ? `/sessions?status=${select.value}` : '/sessions') },
    ...FILTERS.map(([value, label]) => h('option', { value, selected: value === status }, label)),
  );
  replaceChildren(ctx.main, h('div', { class: 'page-head' }, h('h1', {}, 'Sessions')), h('div', { class: 'toolbar' }, select), table);

  return every(REFRESH_MS, async () => {
    try {
      const { sessions } = await api.listSessions(status || undefined);
      sessions.sort((a, b) => b.last_activity_at.localeCompare(a.last_activity_at));
      const rows = sessions.map((s) =>
        h(
          'tr',
          { 'data-session-id': s.session_id },
          h('td', { class: 'mono' }, link(`/sessions/${encodeURIComponent(s.session_id)}`, truncate(s.session_id, 36))),
          h('td', {}, statusBadge(s.status)),
          h('td', { class: 'mono muted' }, truncate(s.workspace, 60)),
          h('td', { class: 'num' }, String(s.task_count)),
          h('td', { class: 'num' }, formatCost(s.cost_usd)),
          h('td', { class: 'muted' }, formatTime(s.last_activity_at)),
          h('td', { class: 'mono' }, s.current_task_id ? link(`/tasks/${encodeURIComponent(s.current_task_id)}`, s.current_task_id) : '—'),
        ),
      );
      replaceChildren(
        table,
        h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Session'),
              h('th', {}, 'Status'),
              h('th', {}, 'Workspace'),
              h('th', { class: 'num' }, 'Tasks'),
              h('th', { class: 'num' }, 'Cost'),
              h('th', {}, 'Last activity'),
              h('th', {}, 'Current task'),
            ),
          ),
          h('tbody', {}, ...(rows.length > 0 ? rows : [h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No sessions.'))])),
        ),
      );
    } catch (error) {
      replaceChildren(table, callout('error', 'Could not load sessions', error instanceof Error ? error.message : String(error)));
    }
  });
}
