import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { launchChromium, screenshot } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { ALPHA_KEY, BETA_KEY, DashboardPages, POLL, SLOW_PROMPT, writeTwoTenantKeys } from './dashboard-pages.js';

// One Chromium for the whole file: each test opens contexts of its own, which share nothing.
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('web dashboard (/ui) in headless Chromium, auth on, two tenants', () => {
  let server: TestServer;
  const pages = new DashboardPages(
    () => browser,
    () => server.baseUrl,
  );
  const pageErrors = pages.errors;
  const newPage = () => pages.open();
  const signIn = (page: Page, key: string) => pages.signIn(page, key);
  const asAlpha = <T = Record<string, unknown>>(method: string, url: string, body?: unknown) =>
    request<T>(server.baseUrl, method, url, body, { 'x-api-key': ALPHA_KEY });

  beforeAll(async () => {
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: writeTwoTenantKeys(), SESSION_MAX_CONCURRENT: '3', WARM_POOL_SIZE: '0' });
  });
  afterAll(async () => {
    await pages.close();
    await server?.close();
  });

  it('serves the page and its files without a key, from this server only, while the API still needs the key', async () => {
    const page = await fetch(`${server.baseUrl}/ui`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/ui/')).toBe(true);
      expect((await fetch(server.baseUrl + asset)).status).toBe(200);
    }
    expect((await fetch(`${server.baseUrl}/ui/app.js`)).headers.get('content-type')).toContain('javascript');
    expect((await fetch(`${server.baseUrl}/ui/api/me`)).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/ui/no-such-file.js`)).status).toBe(401);
    expect((await request(server.baseUrl, 'GET', '/ui/api/me', undefined, { 'x-api-key': ALPHA_KEY })).body).toEqual({ tenant: 'alpha', auth_enabled: true });
  });

  it('refuses a wrong key on the login page, then signs in with a right one', async () => {
    const page = await newPage();
    await page.goto(`${server.baseUrl}/ui`);
    await page.waitForSelector('form.login');
    await screenshot(page, 'login');
    await page.fill('input[name=api_key]', 'not-a-key');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('form.login [role=alert]'), POLL).toContain('not accepted');
    await page.fill('input[name=api_key]', ALPHA_KEY);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=tenant]');
    expect(await page.textContent('[data-testid=tenant]')).toContain('alpha');
    // The key is kept for this tab only.
    expect(await page.evaluate<string | null>("sessionStorage.getItem('ccs.apiKey')")).toBe(ALPHA_KEY);
  });

  it('submits a task from the form and shows its events, tool call and final result', async () => {
    const page = await newPage();
    await signIn(page, ALPHA_KEY);
    await page.click('a[href="#/new"] >> nth=0');
    await page.fill('textarea[name=prompt]', '[[script:multi-tool]] write a file and show it');
    await page.fill('input[name=workspace]', 'ui-project');
    await page.fill('input[name=task_id]', 'ui-multi');
    await page.click('details.options > summary');
    await page.fill('input[name=priority]', '7');
    await screenshot(page, 'new-task');
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/tasks\/ui-multi$/);
    await page.waitForSelector('[data-testid=events] [data-type=complete]');
    const types = await Promise.all((await page.locator('[data-testid=events] > li').all()).map((item) => item.getAttribute('data-type')));
    expect(types).toContain('tool_use');
    expect(types).toContain('message');
    expect(types.at(-1)).toBe('complete');
    // Each tool call folds its result beneath it; open one and read the Bash output.
    const bash = page.locator('details.tool', { hasText: 'Bash' }).first();
    expect(await bash.getAttribute('open')).toBeNull();
    await bash.locator('summary').click();
    expect(await bash.locator('.tool-result pre').textContent()).toContain('written by multi-tool');
    await expect.poll(() => page.getAttribute('.summary [data-status]', 'data-status'), POLL).toBe('completed');
    await screenshot(page, 'task');
    const record = await asAlpha<{ options: { priority: number } }>('GET', '/api/v1/tasks/ui-multi');
    expect(record.body.options.priority).toBe(7);

    // The list shows it with tenant, tokens and cost; filtering by another status hides it.
    await page.goto(`${server.baseUrl}/ui#/tasks`);
    const row = page.locator('tr[data-task-id="ui-multi"]');
    await row.waitFor();
    expect(await row.getAttribute('data-status')).toBe('completed');
    expect(await row.textContent()).toContain('alpha');
    await page.selectOption('select[name=status]', 'failed');
    await page.waitForURL(/status=failed/);
    await page.waitForSelector('td.empty');
    expect(await page.locator('tr[data-task-id="ui-multi"]').count()).toBe(0);
  });

  it('shows a slow task live while it runs, and interrupting it changes its status everywhere', async () => {
    const page = await newPage();
    await signIn(page, ALPHA_KEY);
    const list = await newPage();
    await signIn(list, ALPHA_KEY);

    const submitted = await asAlpha('POST', '/api/v1/tasks', { task_id: 'ui-slow', prompt: SLOW_PROMPT, workspace: 'ui-project' });
    expect(submitted.status).toBe(201);
    await page.goto(`${server.baseUrl}/ui#/tasks/ui-slow`);
    // The tool call and its result arrive over the WebSocket while the task is still running
    // (the model holds its next reply for two minutes).
    await page.waitForSelector('[data-testid=events] details.tool .tool-state.ok');
    await expect.poll(() => page.getAttribute('.summary [data-status]', 'data-status'), POLL).toBe('running');
    expect(await page.textContent('[data-testid=stream-state]')).toBe('live');
    await expect.poll(() => list.getAttribute('tr[data-task-id="ui-slow"]', 'data-status'), POLL).toBe('running');
    await screenshot(page, 'task-running');

    // Drop the page's WebSocket from the server side: it reconnects by itself (a new ticket,
    // ?after=<last seq>), so what follows arrives once, with no gap.
    expect(server.sockets.size).toBe(1);
    const dropped = [...server.sockets];
    for (const socket of dropped) socket.terminate();
    await expect.poll(() => [...server.sockets].filter((socket) => !dropped.includes(socket)).length, POLL).toBe(1);

    await page.click('[data-testid=interrupt]');
    await page.waitForSelector('[data-testid=events] [data-type=complete].status-interrupted');
    await expect.poll(() => page.getAttribute('.summary [data-status]', 'data-status'), POLL).toBe('interrupted');
    expect(await page.isDisabled('[data-testid=interrupt]')).toBe(true);
    // The list, refreshed live, follows without a reload.
    await expect.poll(() => list.getAttribute('tr[data-task-id="ui-slow"]', 'data-status'), POLL).toBe('interrupted');
    const stored = await waitForStatus(server.baseUrl, 'ui-slow', ['interrupted'], undefined, { 'x-api-key': ALPHA_KEY });
    expect(stored.status).toBe('interrupted');
    // Every stored event is on the page exactly once, in order (tool results fold into their call).
    const history = await request<{ events: { seq: number; type: string }[] }>(server.baseUrl, 'GET', '/api/v1/tasks/ui-slow/events?format=json', undefined, {
      'x-api-key': ALPHA_KEY,
    });
    const shown = await page.locator('[data-testid=events] > li').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-seq'))));
    expect(shown).toEqual(history.body.events.filter((e) => e.type !== 'tool_result').map((e) => e.seq));
    expect(history.body.events.map((e) => e.type)).toContain('complete');
  });

  it('shows sessions with their tasks, and continues one from its page', async () => {
    const page = await newPage();
    await signIn(page, ALPHA_KEY);
    await page.click('nav a[href="#/sessions"]');
    await page.locator('tr[data-session-id="session-ui-multi"]').waitFor();
    await screenshot(page, 'sessions');
    await page.click('tr[data-session-id="session-ui-multi"] a');
    await page.locator('tr[data-task-id="ui-multi"]').waitFor();
    await page.click('text=Continue in this session');
    await page.waitForSelector('select[name=continue_session]');
    await expect.poll(() => page.inputValue('select[name=continue_session]'), POLL).toBe('session-ui-multi');
    expect(await page.isChecked('input[name=session_mode][value=continue]')).toBe(true);
    await page.fill('textarea[name=prompt]', 'second task in the same session');
    await page.click('button[type=submit]');
    await page.waitForURL(/#\/tasks\/task-/);
    await page.waitForSelector('[data-testid=events] [data-type=complete]');
    const taskId = decodeURIComponent(page.url().split('#/tasks/')[1]!);
    const task = await asAlpha('GET', `/api/v1/tasks/${taskId}`);
    expect(task.body.session_id).toBe('session-ui-multi');
    await page.goto(`${server.baseUrl}/ui#/tasks?session=session-ui-multi`);
    await expect.poll(() => page.locator('tbody tr[data-task-id]').count(), POLL).toBe(2);
    await page.goto(`${server.baseUrl}/ui#/tasks`);
    await expect.poll(() => page.locator('tbody tr[data-task-id]').count(), POLL).toBe(3);
    await screenshot(page, 'tasks');

    // Pages follow the API's cursor: two tasks, then the oldest one, then back.
    const ids = () => page.locator('tbody tr[data-task-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-task-id')));
    await page.goto(`${server.baseUrl}/ui#/tasks?limit=2`);
    await expect.poll(ids, POLL).toEqual([taskId, 'ui-slow']);
    await page.click('text=Older →');
    await expect.poll(ids, POLL).toEqual(['ui-multi']);
    expect(await page.isDisabled('text=Older →')).toBe(true);
    expect(await page.textContent('[data-testid=page]')).toBe('Page 2');
    await page.click('text=← Newer');
    await expect.poll(ids, POLL).toEqual([taskId, 'ui-slow']);
  });

  it("does not show one tenant's tasks or sessions to another", async () => {
    const page = await newPage();
    await signIn(page, BETA_KEY);
    expect(await page.textContent('[data-testid=tenant]')).toContain('beta');
    await page.waitForSelector('[data-testid=live]:not(.stale)');
    await page.waitForSelector('td.empty');
    expect(await page.locator('tr[data-task-id]').count()).toBe(0);
    await page.goto(`${server.baseUrl}/ui#/tasks/ui-multi`);
    await page.waitForSelector('.callout-error');
    expect(await page.textContent('main')).toContain('Task not found');
    await page.goto(`${server.baseUrl}/ui#/sessions?status=all`);
    await page.waitForSelector('td.empty');
    expect(await page.locator('tr[data-session-id]').count()).toBe(0);
  });

  // After the listing tests above: this adds a task to the tenant's list.
  it('shows a tool call that waits for approval, and Allow lets it run', async () => {
    const page = await newPage();
    await signIn(page, ALPHA_KEY);
    const steps = [
      { tool: { name: 'Bash', input: { command: 'echo approved-in-the-browser', description: 'needs approval' } } },
      { text: 'done after approval' },
    ];
    const options = { allowed_tools: ['Read', 'Bash'], require_approval: ['Bash'] };
    const submitted = await asAlpha('POST', '/api/v1/tasks', { task_id: 'ui-approve', prompt: `[[script:${JSON.stringify({ steps })}]]`, options });
    expect(submitted.status).toBe(201);
    await page.goto(`${server.baseUrl}/ui#/tasks/ui-approve`);
    await page.waitForSelector('[data-testid=approval] [data-testid=approve]');
    expect(await page.textContent('[data-testid=approval]')).toContain('Approval needed: Bash');
    await screenshot(page, 'task-approval');
    await page.click('[data-testid=approve]');
    await expect.poll(() => page.textContent('[data-testid=approval-verdict]'), POLL).toBe('Allowed');
    await page.waitForSelector('[data-testid=events] [data-type=complete].status-completed');
    expect(await page.textContent('[data-testid=events]')).toContain('approved-in-the-browser');
    const stored = await asAlpha<{ status: string }>('GET', '/api/v1/tasks/ui-approve');
    expect(stored.body.status).toBe('completed');
  });

  // Last of the alpha tests: its runs add tasks to the tenant's list.
  it('lists schedules with their next fire time, shows their runs, and pauses one; another tenant sees none of it', async () => {
    const hourly = await asAlpha('POST', '/api/v1/schedules', { schedule_id: 'ui-hourly', cron: '0 * * * *', task: { prompt: 'hourly report' } });
    expect(hourly.status).toBe(201);
    const fast = await asAlpha('POST', '/api/v1/schedules', {
      schedule_id: 'ui-every-2s',
      cron: '*/2 * * * * *',
      task: { prompt: 'tick from a schedule', workspace: 'ui-sched' },
    });
    expect(fast.status).toBe(201);

    const page = await newPage();
    await signIn(page, ALPHA_KEY);
    await page.click('a[href="#/schedules"]');
    const row = page.locator('tr[data-schedule-id="ui-hourly"]');
    await row.waitFor();
    // The next fire time shown is the server's, to the second.
    const shownNext = await row.locator('[data-next-fire]').getAttribute('data-next-fire');
    expect(shownNext).toBe((hourly.body as { next_fire_at: string }).next_fire_at);
    expect(await row.textContent()).toMatch(/0 \* \* \* \*.*UTC.*enabled.*\(in \d+ [smh]\).*hourly report/);
    expect(await page.locator('tr[data-schedule-id="ui-every-2s"]').count()).toBe(1);
    await screenshot(page, 'schedules');

    await page.click('tr[data-schedule-id="ui-every-2s"] a');
    await page.waitForURL(/#\/schedules\/ui-every-2s$/);
    // Its runs appear as they fire, each a task the page links to.
    const run = page.locator('table.runs tr[data-task-id] [data-status="completed"]').first();
    await run.waitFor({ timeout: 60_000 });
    await screenshot(page, 'schedule');
    await page.click('button:has-text("Disable")');
    await expect.poll(() => page.getAttribute('.summary [data-enabled]', 'data-enabled'), POLL).toBe('false');
    expect(await page.getAttribute('.summary [data-next-fire]', 'data-next-fire')).toBe('');
    const stored = await asAlpha<{ enabled: boolean }>('GET', '/api/v1/schedules/ui-every-2s');
    expect(stored.body.enabled).toBe(false);
    await page.click('table.runs tr[data-task-id] a >> nth=0');
    await page.waitForSelector('[data-testid=events] [data-type=complete]');

    const other = await newPage();
    await signIn(other, BETA_KEY);
    await other.goto(`${server.baseUrl}/ui#/schedules`);
    await other.waitForSelector('td.empty');
    expect(await other.locator('tr[data-schedule-id]').count()).toBe(0);
    await other.goto(`${server.baseUrl}/ui#/schedules/ui-hourly`);
    await expect.poll(() => other.textContent('main [role=alert]'), POLL).toContain('There is no schedule "ui-hourly"');
  });

  it('raised no script error and no console error on any page above', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('web dashboard with auth off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('opens straight onto the task list, with no login and no sign-out', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/ui`);
    await page.waitForSelector('[data-testid=tenant]');
    expect(await page.textContent('[data-testid=tenant]')).toContain('default');
    expect(await page.locator('text=Sign out').count()).toBe(0);
    await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'open-task', prompt: 'hello there' });
    await expect.poll(() => page.getAttribute('tr[data-task-id="open-task"]', 'data-status'), POLL).toBe('completed');
    await page.click('tr[data-task-id="open-task"] a');
    await page.waitForSelector('[data-testid=events] [data-type=complete]');
    expect(await page.textContent('[data-testid=events]')).toContain('Scripted reply to: hello there');
    await context.close();
  });
});
