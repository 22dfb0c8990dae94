import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitFor } from '../helpers/client.js';
import { DaemonFleet, type DaemonProcess } from '../helpers/daemon-process.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { gapsAndDoubles, runsOf, tasksOf, waitForMoreRuns } from '../helpers/schedule-runs.js';

const PERIOD_MS = 2000;
const LEADING = 'Leading schedule firing';

describe('schedules on two Redis instances: the leader is kill -9’d, each tick still fires exactly once', () => {
  let model: ScriptedModel;
  let redis: RedisProcess;
  let env: Record<string, string>;
  const fleet = new DaemonFleet();
  const start = (name: string) => fleet.start({ ...env, INSTANCE_ID: name });
  const leads = (daemon: DaemonProcess) => daemon.stdout().includes(LEADING);
  const moreRuns = (daemon: DaemonProcess, after: number, count: number) => waitForMoreRuns(daemon.baseUrl, 'every-2s', after, count);

  beforeAll(async () => {
    model = await startScriptedModel();
    redis = await RedisProcess.start();
    const shared = mkdtempSync(path.join(tmpdir(), 'ccs-sched-failover-'));
    env = {
      CLAUDE_API_KEY: 'test-key-sched-failover',
      CLAUDE_BASE_URL: model.url,
      STORAGE_TYPE: 'redis',
      STORAGE_REDIS_URL: redis.url,
      STORAGE_REDIS_PREFIX: RedisProcess.prefix(),
      WORKSPACE_ROOT: path.join(shared, 'workspaces'),
      // One slot each and a 30 s first task: later runs wait in the queue and cost no CPU.
      SESSION_MAX_CONCURRENT: '1',
      API_RATE_LIMIT_ENABLED: 'false',
      WARM_POOL_SIZE: '0',
      SCHEDULE_LEASE_SECONDS: '2',
      SCHEDULE_MISFIRE_GRACE_SECONDS: '30',
    };
  });
  afterAll(async () => {
    await fleet.killAll();
    await model?.close();
    await redis?.close();
  });

  it('one instance leads; when it dies another takes over and fires the ticks that came meanwhile', async () => {
    const a = await start('sched-a');
    const b = await start('sched-b');
    const created = await request(b.baseUrl, 'POST', '/api/v1/schedules', {
      schedule_id: 'every-2s',
      cron: '*/2 * * * * *',
      task: { prompt: '[[script:slow]]' },
      overlap: 'queue',
    });
    expect(created.status).toBe(201);
    await moreRuns(a, 0, 2);
    // Exactly one of the two leads.
    expect([leads(a), leads(b)].filter(Boolean)).toHaveLength(1);

    const [leader, follower] = leads(a) ? [a, b] : [b, a];
    await leader.stop('SIGKILL');
    await waitFor(async () => leads(follower), 30_000, 100);
    const afterFirstKill = (await runsOf(follower.baseUrl, 'every-2s')).length;
    await moreRuns(follower, afterFirstKill, 2);

    // A replacement joins; the second leader dies too.
    const c = await start('sched-c');
    expect(leads(c)).toBe(false);
    await follower.stop('SIGKILL');
    await waitFor(async () => leads(c), 30_000, 100);
    const afterSecondKill = (await runsOf(c.baseUrl, 'every-2s')).length;
    await moreRuns(c, afterSecondKill, 2);
    await request(c.baseUrl, 'PATCH', '/api/v1/schedules/every-2s', { enabled: false });

    const runs = await runsOf(c.baseUrl, 'every-2s');
    expect(runs.length).toBeGreaterThanOrEqual(6);
    expect(gapsAndDoubles(runs, PERIOD_MS)).toEqual({ gaps: [], doubles: [] });
    expect(await tasksOf(c.baseUrl, 'every-2s')).toEqual(runs.map((r) => r.task_id).sort());
  });
});
