import { createHash } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { sampleValue, scrape } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ALPHA_KEY = 'alpha-sched-key-0f3c9a1b';
const BETA_KEY = 'beta-sched-key-5b8d2e4f';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

type Body = Record<string, unknown>;

describe('schedules API: create, read, change, delete, runs; one tenant each', () => {
  let server: TestServer;
  const as = (key: string) => (method: string, p: string, body?: unknown) => request<Body>(server.baseUrl, method, p, body, { 'x-api-key': key });
  const alpha = (method: string, p: string, body?: unknown) => as(ALPHA_KEY)(method, p, body);
  const beta = (method: string, p: string, body?: unknown) => as(BETA_KEY)(method, p, body);
  const hourly = { cron: '0 * * * *', task: { prompt: 'say hello', workspace: 'hourly' } };

  beforeAll(async () => {
    const keys = path.join(process.env.TMPDIR ?? '/tmp', `ccs-sched-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(keys, ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'));
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keys });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('creates a schedule: 201 with its id, defaults and next fire time', async () => {
    const before = Date.now();
    const created = await alpha('POST', '/api/v1/schedules', hourly);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      cron: '0 * * * *',
      timezone: 'UTC',
      overlap: 'skip',
      catch_up: 'none',
      enabled: true,
      last_fired_at: null,
      last_skip: null,
    });
    expect(created.body.schedule_id).toMatch(/^sched-/);
    expect(created.body.task).toEqual({ prompt: 'say hello', workspace: 'hourly', session_id: null, reuse_existing: null, options: {}, webhook: null });
    const next = Date.parse(String(created.body.next_fire_at));
    expect(next).toBeGreaterThan(before);
    expect(next).toBeLessThanOrEqual(before + 3_600_000);
    expect(new Date(next).getUTCMinutes()).toBe(0);
    const got = await alpha('GET', `/api/v1/schedules/${String(created.body.schedule_id)}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
  });

  it('reads the expression in its time zone', async () => {
    const created = await alpha('POST', '/api/v1/schedules', { ...hourly, cron: '30 9 * * *', timezone: 'Asia/Kolkata' });
    expect(created.status).toBe(201);
    const next = new Date(String(created.body.next_fire_at));
    // 09:30 in India (UTC+05:30) is 04:00 UTC.
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([4, 0]);
  });

  it('a client-given schedule_id is idempotent: same body 200, another body 409', async () => {
    const body = { ...hourly, schedule_id: 'nightly-report' };
    const first = await alpha('POST', '/api/v1/schedules', body);
    expect(first.status).toBe(201);
    expect(first.body.schedule_id).toBe('nightly-report');
    const again = await alpha('POST', '/api/v1/schedules', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await alpha('POST', '/api/v1/schedules', { ...body, cron: '5 * * * *' });
    expect(other.status).toBe(409);
    expect((other.body.error as Body).code).toBe('SCHEDULE_ID_CONFLICT');
    // Another tenant has ids of its own.
    expect((await beta('POST', '/api/v1/schedules', { ...body, cron: '5 * * * *' })).status).toBe(201);
  });

  it('changes a schedule with PATCH: disabling clears next_fire_at, re-enabling and a new cron count from now', async () => {
    const { body } = await alpha('POST', '/api/v1/schedules', { ...hourly, schedule_id: 'patched' });
    const off = await alpha('PATCH', '/api/v1/schedules/patched', { enabled: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ enabled: false, next_fire_at: null, cron: '0 * * * *' });
    expect(Date.parse(String(off.body.updated_at))).toBeGreaterThanOrEqual(Date.parse(String(body.updated_at)));
    const on = await alpha('PATCH', '/api/v1/schedules/patched', { enabled: true, cron: '15 3 * * *', overlap: 'queue', task: { prompt: 'new prompt' } });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, cron: '15 3 * * *', overlap: 'queue', catch_up: 'none' });
    expect((on.body.task as Body).prompt).toBe('new prompt');
    expect((on.body.task as Body).workspace).toBeNull();
    const next = new Date(String(on.body.next_fire_at));
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([3, 15]);
    expect((await alpha('GET', '/api/v1/schedules/patched')).body).toEqual(on.body);
  });

  it('lists only the caller’s schedules; another tenant’s answer 404 everywhere', async () => {
    const { body } = await alpha('POST', '/api/v1/schedules', { ...hourly, schedule_id: 'alpha-only' });
    const alphaList = (await alpha('GET', '/api/v1/schedules')).body.schedules as Body[];
    const betaList = (await beta('GET', '/api/v1/schedules')).body.schedules as Body[];
    expect(alphaList.map((s) => s.schedule_id)).toContain('alpha-only');
    expect(betaList.map((s) => s.schedule_id)).not.toContain('alpha-only');
    for (const [method, p, payload] of [
      ['GET', '/api/v1/schedules/alpha-only', undefined],
      ['PATCH', '/api/v1/schedules/alpha-only', { enabled: false }],
      ['DELETE', '/api/v1/schedules/alpha-only', undefined],
      ['GET', '/api/v1/schedules/alpha-only/runs', undefined],
    ] as const) {
      const answer = await beta(method, p, payload);
      expect(answer.status, `${method} ${p}`).toBe(404);
      expect((answer.body.error as Body).code).toBe('SCHEDULE_NOT_FOUND');
    }
    expect((await alpha('GET', '/api/v1/schedules/alpha-only')).body).toEqual(body);
  });

  it('deletes a schedule: 200, then 404', async () => {
    await alpha('POST', '/api/v1/schedules', { ...hourly, schedule_id: 'doomed' });
    const deleted = await alpha('DELETE', '/api/v1/schedules/doomed');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ schedule_id: 'doomed', deleted: true });
    expect((await alpha('GET', '/api/v1/schedules/doomed')).status).toBe(404);
    expect((await alpha('DELETE', '/api/v1/schedules/doomed')).status).toBe(404);
    expect((await alpha('GET', '/api/v1/schedules')).body.schedules as Body[]).not.toContainEqual(expect.objectContaining({ schedule_id: 'doomed' }));
  });

  it('refuses bad input with a stable code naming the field', async () => {
    const code = (answer: { body: Body }) => (answer.body.error as Body).code;
    const path0 = (answer: { body: Body }) => ((answer.body.error as Body).details as Body[])[0]?.path;
    const badCron = await alpha('POST', '/api/v1/schedules', { ...hourly, cron: '61 * * * *' });
    expect([badCron.status, code(badCron), path0(badCron)]).toEqual([400, 'INVALID_SCHEDULE', 'cron']);
    const tooMany = await alpha('POST', '/api/v1/schedules', { ...hourly, cron: '* * * * * * *' });
    expect([tooMany.status, code(tooMany), path0(tooMany)]).toEqual([400, 'INVALID_SCHEDULE', 'cron']);
    const never = await alpha('POST', '/api/v1/schedules', { ...hourly, cron: '0 0 30 2 *' });
    expect([never.status, code(never), path0(never)]).toEqual([400, 'INVALID_SCHEDULE', 'cron']);
    const badZone = await alpha('POST', '/api/v1/schedules', { ...hourly, timezone: 'Mars/Olympus_Mons' });
    expect([badZone.status, code(badZone), path0(badZone)]).toEqual([400, 'INVALID_SCHEDULE', 'timezone']);
    const patchZone = await alpha('PATCH', '/api/v1/schedules/patched', { timezone: 'Nowhere/Land' });
    expect([patchZone.status, code(patchZone)]).toEqual([400, 'INVALID_SCHEDULE']);
    for (const body of [
      { task: hourly.task },
      { cron: '0 * * * *' },
      { ...hourly, task: { prompt: '' } },
      { ...hourly, task: { prompt: 'x', session: { session_id: 's' } } },
      { ...hourly, overlap: 'sometimes' },
      { ...hourly, catch_up: 'all' },
      { ...hourly, enabled: 'yes' },
      { ...hourly, schedule_id: 'bad id with spaces' },
      { ...hourly, task: { prompt: 'x', options: { max_turns: 0 } } },
      { ...hourly, surprise: true },
    ]) {
      const answer = await alpha('POST', '/api/v1/schedules', body);
      expect([answer.status, code(answer)], JSON.stringify(body)).toEqual([400, 'VALIDATION_ERROR']);
    }
    // A template's MCP servers are checked when the schedule is made, not at every tick.
    const secretTemplate = {
      prompt: 'x',
      options: { mcp_servers: { docs: { type: 'http', url: 'http://127.0.0.1:9/mcp', headers: { Authorization: { secret: 'nope' } } } } },
    };
    const missingSecret = await alpha('POST', '/api/v1/schedules', { ...hourly, task: secretTemplate });
    expect([missingSecret.status, code(missingSecret)]).toEqual([400, 'SECRET_REFERENCE_INVALID']);
    const loopback = await alpha('POST', '/api/v1/schedules', {
      ...hourly,
      task: { prompt: 'x', options: { mcp_servers: { docs: { type: 'http', url: 'http://127.0.0.1:9/mcp' } } } },
    });
    expect([loopback.status, code(loopback)]).toEqual([400, 'MCP_SERVER_REFUSED']);
    const approvals = { prompt: 'x', options: { mcp_servers: { docs: { command: 'node' } }, require_approval: ['mcp__docs__search'] } };
    expect((await alpha('POST', '/api/v1/schedules', { ...hourly, schedule_id: 'mcp-approvals', enabled: false, task: approvals })).status).toBe(201);
    const unknownPatch = await alpha('PATCH', '/api/v1/schedules/patched', { schedule_id: 'other' });
    expect([unknownPatch.status, code(unknownPatch)]).toEqual([400, 'VALIDATION_ERROR']);
    expect((await alpha('GET', '/api/v1/schedules/patched/runs?limit=0')).status).toBe(400);
  });

  it('fires: each run is an ordinary task with schedule_id, listed under /runs with its status', async () => {
    const created = await alpha('POST', '/api/v1/schedules', {
      schedule_id: 'every-second',
      cron: '* * * * * *',
      task: { prompt: 'say hello', workspace: 'ticking' },
      overlap: 'skip',
    });
    expect(created.status).toBe(201);
    const runs = await waitFor(async () => {
      const answer = await alpha('GET', '/api/v1/schedules/every-second/runs');
      const list = answer.body.runs as Body[];
      return list.length > 0 ? list : undefined;
    }, 30_000);
    await alpha('PATCH', '/api/v1/schedules/every-second', { enabled: false });
    const run = runs[0]!;
    expect(Object.keys(run).sort()).toEqual(['fired_at', 'status', 'task_id']);
    expect(String(run.task_id)).toMatch(/^sched_every-second_\d{8}T\d{6}Z$/);
    expect(new Date(String(run.fired_at)).getUTCMilliseconds()).toBe(0);
    const task = await waitForStatus(server.baseUrl, String(run.task_id), ['completed'], 60_000, { 'x-api-key': ALPHA_KEY });
    expect(task.schedule_id).toBe('every-second');
    const after = (await alpha('GET', '/api/v1/schedules/every-second/runs')).body.runs as Body[];
    expect(after.find((r) => r.task_id === run.task_id)?.status).toBe('completed');
    const schedule = (await alpha('GET', '/api/v1/schedules/every-second')).body;
    expect(schedule.last_fired_at).not.toBeNull();
    // The task is the tenant's own: another tenant cannot see it.
    expect((await beta('GET', `/api/v1/tasks/${String(run.task_id)}`)).status).toBe(404);
    // Tasks submitted by a client carry no schedule.
    const plain = await alpha('POST', '/api/v1/tasks', { prompt: 'say hello', workspace: 'plain' });
    expect((await alpha('GET', `/api/v1/tasks/${String(plain.body.task_id)}`)).body.schedule_id).toBeNull();
  });

  describe('overlap and refusals', () => {
    const runsOf = async (id: string) => (await alpha('GET', `/api/v1/schedules/${id}/runs`)).body.runs as Body[];
    const interruptAll = async (runs: Body[]) => {
      for (const run of runs) await alpha('POST', `/api/v1/tasks/${String(run.task_id)}/interrupt`);
    };

    it('skip: while the previous run is going, a tick starts nothing and says why', async () => {
      await alpha('POST', '/api/v1/schedules', { schedule_id: 'skipper', cron: '* * * * * *', task: { prompt: '[[script:slow]]' }, overlap: 'skip' });
      const skip = await waitFor(async () => {
        const { body } = await alpha('GET', '/api/v1/schedules/skipper');
        return (body.last_skip as Body | null)?.reason === 'overlap' ? (body.last_skip as Body) : undefined;
      }, 30_000);
      await alpha('PATCH', '/api/v1/schedules/skipper', { enabled: false });
      const runs = await runsOf('skipper');
      expect(runs).toHaveLength(1);
      expect(skip.detail).toContain(String(runs[0]!.task_id));
      expect(Date.parse(String(skip.fired_at))).toBeGreaterThan(Date.parse(String(runs[0]!.fired_at)));
      await interruptAll(runs);
    });

    it('replace: the previous run is interrupted, then the tick’s task starts', async () => {
      await alpha('POST', '/api/v1/schedules', { schedule_id: 'replacer', cron: '*/2 * * * * *', task: { prompt: '[[script:slow]]' }, overlap: 'replace' });
      const runs = await waitFor(async () => {
        const list = await runsOf('replacer');
        return list.length >= 2 ? list : undefined;
      }, 30_000);
      await alpha('PATCH', '/api/v1/schedules/replacer', { enabled: false });
      const [newest, previous] = runs;
      await waitForStatus(server.baseUrl, String(previous!.task_id), ['interrupted'], 30_000, { 'x-api-key': ALPHA_KEY });
      expect(['queued', 'running']).toContain((await alpha('GET', `/api/v1/tasks/${String(newest!.task_id)}`)).body.status);
      await interruptAll(await runsOf('replacer'));
    });

    it('queue: with a session, the next run waits behind the previous one in that session', async () => {
      await alpha('POST', '/api/v1/schedules', {
        schedule_id: 'queuer',
        cron: '*/2 * * * * *',
        task: { prompt: '[[script:slow]]', session_id: 'scheduled-session', workspace: 'queued-ws' },
        overlap: 'queue',
      });
      const runs = await waitFor(async () => {
        const list = await runsOf('queuer');
        return list.length >= 2 ? list : undefined;
      }, 30_000);
      await alpha('PATCH', '/api/v1/schedules/queuer', { enabled: false });
      const tasks = await Promise.all(runs.slice(0, 2).map(async (r) => (await alpha('GET', `/api/v1/tasks/${String(r.task_id)}`)).body));
      expect(tasks.map((t) => t.session_id)).toEqual(['scheduled-session', 'scheduled-session']);
      // Newest first: the second run waits for the first, which is still running its 30 s script.
      expect(tasks.map((t) => t.status)).toEqual(['queued', 'running']);
      await interruptAll(await runsOf('queuer'));
    });

    it('a workspace outside the tenant’s tree is refused when the schedule is created', async () => {
      for (const workspace of ['../../etc', '/etc', '../beta/x']) {
        const answer = await alpha('POST', '/api/v1/schedules', { cron: '* * * * *', task: { prompt: 'hi', workspace } });
        expect([answer.status, (answer.body.error as Body).code], workspace).toEqual([400, 'WORKSPACE_OUTSIDE_ROOT']);
      }
      const patched = await alpha('PATCH', '/api/v1/schedules/patched', { task: { prompt: 'hi', workspace: '../../etc' } });
      expect([patched.status, (patched.body.error as Body).code]).toEqual([400, 'WORKSPACE_OUTSIDE_ROOT']);
    });

    it('a refused submit is a skip with its reason (a symlink planted to lead out); the schedule carries on; metrics count fires and skips', async () => {
      // The path looks inside the tenant's tree; on disk it leads out. Only the tick's check, in the sandbox, can see that.
      mkdirSync(path.join(server.workspaceRoot, 'alpha'), { recursive: true });
      symlinkSync('/etc', path.join(server.workspaceRoot, 'alpha', 'escape'));
      const created = await alpha('POST', '/api/v1/schedules', { schedule_id: 'refused', cron: '* * * * * *', task: { prompt: 'hi', workspace: 'escape' } });
      expect(created.status).toBe(201);
      const first = await waitFor(async () => {
        const { body } = await alpha('GET', '/api/v1/schedules/refused');
        return body.last_skip ? (body as Body) : undefined;
      }, 30_000);
      const second = await waitFor(async () => {
        const { body } = await alpha('GET', '/api/v1/schedules/refused');
        return (body.last_skip as Body).fired_at !== (first.last_skip as Body).fired_at ? body : undefined;
      }, 30_000);
      await alpha('PATCH', '/api/v1/schedules/refused', { enabled: false });
      expect(second.last_skip).toMatchObject({ reason: 'refused', detail: expect.stringContaining('WORKSPACE_OUTSIDE_ROOT') });
      expect(await runsOf('refused')).toEqual([]);
      const samples = await scrape(server.metricsUrl);
      expect(sampleValue(samples, 'schedule_fires_total')).toBeGreaterThanOrEqual(1);
      expect(sampleValue(samples, 'schedule_skips_total', { reason: 'refused' })).toBeGreaterThanOrEqual(2);
      expect(sampleValue(samples, 'schedule_skips_total', { reason: 'overlap' })).toBeGreaterThanOrEqual(1);
      expect(sampleValue(samples, 'schedule_fire_lag_seconds_count')).toBeGreaterThanOrEqual(1);
    });
  });
});
