import { api, ApiError } from './api.js';
import { callout, h, link, replaceChildren, statusBadge } from './dom.js';
import { formatTime } from './format.js';
import { enabledBadge, nextFire } from './schedules-view.js';
import type { Schedule, ScheduleRun } from './types.js';
import { every, navigate, type Cleanup, type ViewContext } from './view.js';

const REFRESH_MS = 3000;

function runsTable(runs: ScheduleRun[]): HTMLElement {
  const rows = runs.map((r) =>
    h(
      'tr',
      { 'data-task-id': r.task_id },
      h('td', { class: 'mono' }, link(`/tasks/${encodeURIComponent(r.task_id)}`, r.task_id)),
      h('td', {}, formatTime(r.fired_at)),
      h('td', {}, statusBadge(r.status)),
    ),
  );
  return h(
    'table',
    { class: 'runs' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Task'), h('th', {}, 'Fired at'), h('th', {}, 'Status'))),
    h('tbody', {}, ...(rows.length > 0 ? rows : [h('tr', {}, h('td', { colspan: 3, class: 'empty' }, 'No runs yet.'))])),
  );
}

/** One schedule: when it fires next, its template, the tasks it started, and buttons to pause or delete it. */
export function renderScheduleDetail(ctx: ViewContext, scheduleId: string): Cleanup {
  const summary = h('div', { class: 'summary' });
  const runs = h('div', { class: 'table-wrap' });
  const notices = h('div', {});
  const toggle = h('button', {}, '…');
  const remove = h('button', { class: 'danger' }, 'Delete schedule');
  let current: Schedule | null = null;
  const fail = (title: string) => (error: unknown) => replaceChildren(notices, callout('error', title, error instanceof Error ? error.message : String(error)));

  toggle.addEventListener('click', () => {
    if (current === null) return;
    api
      .updateSchedule(scheduleId, { enabled: !current.enabled })
      .then((updated) => show(updated))
      .catch(fail('Update failed'));
  });
  remove.addEventListener('click', () => {
    if (!confirm(`Delete schedule ${scheduleId}? Tasks it already started are left alone.`)) return;
    api
      .deleteSchedule(scheduleId)
      .then(() => navigate('/schedules'))
      .catch(fail('Delete failed'));
  });
  replaceChildren(
    ctx.main,
    h('div', { class: 'crumbs' }, link('/schedules', 'Schedules'), ' / ', h('span', { class: 'mono' }, scheduleId)),
    h('div', { class: 'page-head' }, h('h1', { class: 'mono' }, scheduleId), h('div', { class: 'actions' }, toggle, remove)),
    notices,
    summary,
    h('h2', {}, 'Runs'),
    runs,
  );

  const field = (label: string, value: Node | string, wide = false) =>
    h('div', { class: wide ? 'field wide' : 'field' }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
  function show(schedule: Schedule): void {
    current = schedule;
    toggle.textContent = schedule.enabled ? 'Disable' : 'Enable';
    const skip = schedule.last_skip;
    replaceChildren(
      summary,
      field('State', enabledBadge(schedule)),
      field('Cron', h('span', { class: 'mono' }, `${schedule.cron} (${schedule.timezone})`)),
      field('Next fire', nextFire(schedule)),
      field('Last fired', formatTime(schedule.last_fired_at)),
      field('Overlap', schedule.overlap),
      field('Catch up', schedule.catch_up),
      skip ? field('Last skip', `${formatTime(skip.fired_at)}: ${skip.reason}${skip.detail ? ` (${skip.detail})` : ''}`, true) : null,
      field('Workspace', h('span', { class: 'mono' }, schedule.task.workspace ?? '—')),
      field('Session', h('span', { class: 'mono' }, schedule.task.session_id ?? 'a new one per run')),
      field('Prompt', h('div', { class: 'prompt-box' }, schedule.task.prompt), true),
    );
  }

  return every(REFRESH_MS, async () => {
    try {
      show(await api.getSchedule(scheduleId));
      replaceChildren(runs, runsTable((await api.listScheduleRuns(scheduleId)).runs));
    } catch (error) {
      const text = error instanceof ApiError && error.status === 404 ? `There is no schedule "${scheduleId}".` : String(error);
      replaceChildren(notices, callout('error', 'Could not load the schedule', text));
    }
  });
}
