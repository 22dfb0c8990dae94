import { api, apiKey, ApiError, whenUnauthorized } from './api.js';
import { h, link, replaceChildren } from './dom.js';
import { renderLogin } from './login-view.js';
import { renderScheduleDetail } from './schedule-view.js';
import { renderSchedules } from './schedules-view.js';
import { renderSessionDetail } from './session-view.js';
import { renderSessions } from './sessions-view.js';
import { renderSubmit } from './submit-view.js';
import { renderTaskDetail } from './task-view.js';
import { renderTaskList } from './tasks-view.js';
import type { Me } from './types.js';
import type { Cleanup, ViewContext } from './view.js';

const root = document.getElementById('app')!;
let me: Me | null = null;
let cleanup: Cleanup = () => undefined;

function parseHash(): { path: string; query: URLSearchParams } {
  const raw = location.hash.replace(/^#/, '') || '/tasks';
  const [path = '/tasks', search = ''] = raw.split('?');
  return { path, query: new URLSearchParams(search) };
}

function header(current: string): HTMLElement {
  const tab = (href: string, label: string) => h('a', { href: `#${href}`, class: current.startsWith(href) ? 'active' : undefined }, label);
  const signOut = () => {
    apiKey.clear();
    me = null;
    void route();
  };
  return h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, link('/tasks', h('span', { class: 'logo' }, '◆'), ' Claude Code Server')),
    h('nav', {}, tab('/tasks', 'Tasks'), tab('/sessions', 'Sessions'), tab('/schedules', 'Schedules'), tab('/new', 'New task')),
    h(
      'div',
      { class: 'who' },
      h('span', { class: 'tenant', 'data-testid': 'tenant' }, 'tenant ', h('strong', {}, me?.tenant ?? '')),
      me?.auth_enabled ? h('button', { class: 'ghost', onclick: signOut }, 'Sign out') : null,
    ),
  );
}

async function route(): Promise<void> {
  cleanup();
  cleanup = () => undefined;
  if (me === null) {
    try {
      me = await api.me();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        replaceChildren(
          root,
          renderLogin(async (key) => {
            apiKey.set(key);
            try {
              me = await api.me();
            } catch (failure) {
              apiKey.clear();
              throw failure;
            }
            await route();
          }),
        );
        return;
      }
      replaceChildren(root, h('main', {}, h('p', { class: 'callout callout-error' }, `Cannot reach the server: ${String(error)}`)));
      return;
    }
  }
  const { path, query } = parseHash();
  const main = h('main', {});
  replaceChildren(root, header(path), main);
  const ctx: ViewContext = { me, main, query };
  const [, section, id] = path.split('/').map((part) => decodeURIComponent(part));
  if (section === 'tasks' && id) cleanup = renderTaskDetail(ctx, id);
  else if (section === 'sessions' && id) cleanup = renderSessionDetail(ctx, id);
  else if (section === 'sessions') cleanup = renderSessions(ctx);
  else if (section === 'schedules' && id) cleanup = renderScheduleDetail(ctx, id);
  else if (section === 'schedules') cleanup = renderSchedules(ctx);
  else if (section === 'new') cleanup = renderSubmit(ctx);
  else cleanup = renderTaskList(ctx);
}

whenUnauthorized(() => {
  if (me === null) return;
  // The key was revoked or the server restarted with other keys: back to the login page.
  apiKey.clear();
  me = null;
  void route();
});
window.addEventListener('hashchange', () => void route());
void route();
