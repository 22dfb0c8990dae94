import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcsApiError, CcsClient } from '../../packages/client/src/index.js';
import { waitFor } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { jsonLines, runCcs } from './helpers.js';

/** Schedules through the typed client and `ccs`, against one real daemon: a per-second schedule fires real tasks through the CLI. */
describe('schedules from the clients', () => {
  let server: TestServer;
  let ccs: CcsClient;

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0' });
    ccs = new CcsClient({ baseUrl: server.baseUrl });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('create, get, list, runs, update, delete', async () => {
    const created = await ccs.schedules.create({
      schedule_id: 'client-every-2s',
      cron: '*/2 * * * * *',
      task: { prompt: 'hello from a schedule', workspace: 'client-sched' },
    });
    expect(created).toMatchObject({ schedule_id: 'client-every-2s', overlap: 'skip', catch_up: 'none', enabled: true });
    expect(Date.parse(created.next_fire_at!)).toBeGreaterThan(Date.parse(created.created_at) - 1);
    // The same body again is the same schedule.
    expect(
      (
        await ccs.schedules.create({
          schedule_id: 'client-every-2s',
          cron: '*/2 * * * * *',
          task: { prompt: 'hello from a schedule', workspace: 'client-sched' },
        })
      ).created_at,
    ).toBe(created.created_at);
    expect((await ccs.schedules.get('client-every-2s')).cron).toBe('*/2 * * * * *');
    expect((await ccs.schedules.list()).schedules.map((s) => s.schedule_id)).toContain('client-every-2s');

    // A tick's task is an ordinary task that carries the schedule's id and ends.
    const runs = await waitFor(async () => {
      const page = await ccs.schedules.runs('client-every-2s');
      return page.runs.some((r) => r.status === 'completed') ? page.runs : undefined;
    }, 60_000);
    const done = runs.find((r) => r.status === 'completed')!;
    const task = await ccs.tasks.get(done.task_id);
    expect(task).toMatchObject({ schedule_id: 'client-every-2s', status: 'completed', prompt: 'hello from a schedule' });

    const disabled = await ccs.schedules.update('client-every-2s', { enabled: false });
    expect(disabled).toMatchObject({ enabled: false, next_fire_at: null });
    expect(await ccs.schedules.delete('client-every-2s')).toEqual({ schedule_id: 'client-every-2s', deleted: true });
    await expect(ccs.schedules.get('client-every-2s')).rejects.toMatchObject({ status: 404, code: 'SCHEDULE_NOT_FOUND' });
  });

  it('a bad cron expression is a typed API error naming the field', async () => {
    const error = await ccs.schedules.create({ cron: 'every day', task: { prompt: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcsApiError);
    expect((error as CcsApiError).status).toBe(400);
    expect((error as CcsApiError).code).toBe('INVALID_SCHEDULE');
    expect(JSON.stringify((error as CcsApiError).details)).toContain('cron');
  });

  it('ccs schedules: create, list, show, update, runs, delete; usage and API errors exit 2 and 3', async () => {
    const env = { CCS_URL: server.baseUrl };
    const created = await runCcs(
      [
        '--json',
        'schedules',
        'create',
        'nightly tidy',
        '--cron',
        '0 3 * * *',
        '--timezone',
        'Europe/Berlin',
        '--id',
        'ccs-nightly',
        '-w',
        'ccs-sched',
        '--catch-up',
        'last',
      ],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(jsonLines(created.stdout)[0]).toMatchObject({
      schedule_id: 'ccs-nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Berlin',
      catch_up: 'last',
      task: { prompt: 'nightly tidy', workspace: 'ccs-sched' },
    });

    const table = await runCcs(['schedules', 'list'], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^SCHEDULE\s+CRON\s+ZONE\s+ENABLED\s+NEXT FIRE/);
    expect(table.stdout).toMatch(/ccs-nightly\s+0 3 \* \* \*\s+Europe\/Berlin\s+yes/);

    const shown = await runCcs(['schedules', 'show', 'ccs-nightly'], env);
    expect(shown.stdout).toMatch(/next fire\s+\d{4}-\d\d-\d\d \d\d:00:00/);

    const disabled = await runCcs(['--json', 'schedules', 'update', 'ccs-nightly', '--disable', '--overlap', 'queue'], env);
    expect(jsonLines(disabled.stdout)[0]).toMatchObject({ enabled: false, overlap: 'queue', next_fire_at: null });
    const runs = await runCcs(['schedules', 'runs', 'ccs-nightly'], env);
    expect(runs.stdout).toContain('(no runs yet)');

    const both = await runCcs(['schedules', 'update', 'ccs-nightly', '--enable', '--disable'], env);
    expect(both.code).toBe(2);
    const badCron = await runCcs(['schedules', 'create', 'x', '--cron', 'whenever'], env);
    expect(badCron.code).toBe(3);
    expect(badCron.stderr).toContain('INVALID_SCHEDULE');
    const missingCron = await runCcs(['schedules', 'create', 'x'], env);
    expect(missingCron.code).toBe(2);

    expect((await runCcs(['schedules', 'delete', 'ccs-nightly'], env)).stdout).toContain('ccs-nightly deleted');
    const gone = await runCcs(['schedules', 'show', 'ccs-nightly'], env);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('SCHEDULE_NOT_FOUND');
  });
});
