import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request } from '../helpers/client.js';
import { DaemonFleet, type DaemonProcess } from '../helpers/daemon-process.js';
import { gapsAndDoubles, runsOf, tasksOf, waitForMoreRuns } from '../helpers/schedule-runs.js';

const PERIOD_MS = 2000;

describe('schedules across restarts (sqlite): every tick fires exactly once', () => {
  let model: ScriptedModel;
  let dir: string;
  let env: Record<string, string>;
  const fleet = new DaemonFleet();
  const start = () => fleet.start(env, { dir });
  const moreRuns = (daemon: DaemonProcess, after: number, count: number) => waitForMoreRuns(daemon.baseUrl, 'every-2s', after, count);

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-sched-restart-'));
    // One slot and a 30 s first task: the runs after it wait in the queue and cost no CPU.
    env = {
      CLAUDE_API_KEY: 'test-key-sched-restart',
      CLAUDE_BASE_URL: model.url,
      SESSION_MAX_CONCURRENT: '1',
      API_RATE_LIMIT_ENABLED: 'false',
      WARM_POOL_SIZE: '0',
      SHUTDOWN_GRACE_SECONDS: '1',
    };
  });
  afterAll(async () => {
    await fleet.killAll();
    await model?.close();
  });

  it('a stop and start, then a kill -9 and start, neither skip nor repeat a tick', async () => {
    const first = await start();
    const created = await request(first.baseUrl, 'POST', '/api/v1/schedules', {
      schedule_id: 'every-2s',
      cron: '*/2 * * * * *',
      task: { prompt: '[[script:slow]]' },
      overlap: 'queue',
    });
    expect(created.status).toBe(201);
    await moreRuns(first, 0, 2);
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = await start();
    const beforeKill = (await runsOf(second.baseUrl, 'every-2s')).length;
    await moreRuns(second, beforeKill, 2);
    await second.stop('SIGKILL');

    const third = await start();
    const beforeLast = (await runsOf(third.baseUrl, 'every-2s')).length;
    await moreRuns(third, beforeLast, 2);
    await request(third.baseUrl, 'PATCH', '/api/v1/schedules/every-2s', { enabled: false });

    const runs = await runsOf(third.baseUrl, 'every-2s');
    expect(runs.length).toBeGreaterThanOrEqual(6);
    // The downtime (a few seconds) is far inside the misfire grace: its ticks fire late, once each.
    expect(gapsAndDoubles(runs, PERIOD_MS)).toEqual({ gaps: [], doubles: [] });
    expect(new Set(runs.map((r) => r.task_id)).size).toBe(runs.length);
    // No task of the schedule exists beyond its runs.
    expect(await tasksOf(third.baseUrl, 'every-2s')).toEqual(runs.map((r) => r.task_id).sort());
  });
});
