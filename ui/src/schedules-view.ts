import { api } from './api.js';
import { callout, h, link, replaceChildren } from './dom.js';
import { formatTime, truncate } from './format.js';
import type { Schedule } from './types.js';
import { every, type Cleanup, type ViewContext } from './view.js';

const REFRESH_MS = 5000;

/** "in 4 m" / "in 2 h": how far off a fire time is, next to its clock time. */
export function untilText(iso: string | null, now = Date.now()): string {
  if (iso === null) return '';
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (seconds <= 0) return 'due';
  if (seconds < 60) return `in ${seconds} s`;
  if (seconds < 3600) return `in ${Math.round(seconds / 60)} m`;
  if (seconds < 86_400) return `in ${Math.round(seconds / 3600)} h`;
  return `in ${Math.round(seconds / 86_400)} d`;
}

export function enabledBadge(schedule: Schedule): HTMLElement {
  return h(
    'span',
    { class: `badge ${schedule.enabled ? 'status-running' : 'status-interrupted'}`, 'data-enabled': String(schedule.enabled) },
    schedule.enabled ? 'enabled' : 'disabled',
  );
}

export function nextFire(schedule: Schedule): HTMLElement {
  return h(
    'span',
    { class: 'next-fire', 'data-next-fire': schedule.next_fire_at ?? '' },
    schedule.next_fire_at === null ? '—' : `${formatTime(schedule.next_fire_at)} `,
    schedule.next_fire_at === null ? null : h('span', { class: 'muted' }, `(${untilText(schedule.next_fire_at)})`),
  );
}

/** The tenant's schedules, soonest next fire first; disabled ones last. */
export function renderSchedules(ctx: ViewContext): Cleanup {
  const table = h('div', { class: 'table-wrap' });
  replaceChildren(ctx.main, h('div', { class: 'page-head' }, h('h1', {}, 'Schedules')), table);

  return every(REFRESH_MS, async () => {
    try {
      const { schedules } = await api.listSchedules();
      schedules.sort((a, b) => (a.next_fire_at ?? '\uffff').localeCompare(b.next_fire_at ?? '\uffff') || a.schedule_id.localeCompare(b.schedule_id));
      const rows = schedules.map((s) =>
        h(
          'tr',
          { 'data-schedule-id': s.schedule_id },
          h('td', { class: 'mono' }, link(`/schedules/${encodeURIComponent(s.schedule_id)}`, truncate(s.schedule_id, 40))),
          h('td', { class: 'mono' }, s.cron),
          h('td', { class: 'muted' }, s.timezone),
          h('td', {}, enabledBadge(s)),
          h('td', {}, nextFire(s)),
          h('td', { class: 'muted' }, formatTime(s.last_fired_at)),
          h('td', {}, truncate(s.task.prompt, 60)),
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
              h('th', {}, 'Schedule'),
              h('th', {}, 'Cron'),
              h('th', {}, 'Time zone'),
              h('th', {}, 'State'),
              h('th', {}, 'Next fire'),
              h('th', {}, 'Last fired'),
              h('th', {}, 'Prompt'),
            ),
          ),
          h(
            'tbody',
            {},
            ...(rows.length > 0
              ? rows
              : [h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No schedules. Create one with POST /api/v1/schedules or `ccs schedules create`.'))]),
          ),
        ),
      );
    } catch (error) {
      replaceChildren(table, callout('error', 'Could not load schedules', error instanceof Error ? error.message : String(error)));
    }
  });
}
