import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { DaemonFleet } from '../helpers/daemon-process.js';

type Body = Record<string, unknown>;

/** The compiled daemon on SQLite (the default): triggers and their tokens outlive a kill -9. */
describe('triggers survive a restart (sqlite)', () => {
  let model: ScriptedModel;
  let dir: string;
  let env: Record<string, string>;
  const fleet = new DaemonFleet();
  const start = () => fleet.start(env, { dir });

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-trigger-restart-'));
    // No spare CLI: the first daemon runs no task, the second one.
    env = { CLAUDE_API_KEY: 'test-key-triggers', CLAUDE_BASE_URL: model.url, API_RATE_LIMIT_ENABLED: 'false', WARM_POOL_SIZE: '0' };
  });
  afterAll(async () => {
    await fleet.killAll();
    await model?.close();
  });

  it('a token made before a kill -9 fires after it, a token rotated out before it stays out, and the fired task names the trigger', async () => {
    const first = await start();
    const created = await request<Body>(first.baseUrl, 'POST', '/api/v1/triggers', { name: 'durable', task: { prompt: 'hello' } });
    expect(created.status).toBe(201);
    const id = String(created.body.trigger_id);
    const rotated = await request<Body>(first.baseUrl, 'POST', `/api/v1/triggers/${id}/rotate`);
    const [old, current] = [String(created.body.token), String(rotated.body.token)];
    await first.stop('SIGKILL');

    const second = await start();
    const fire = (token: string) =>
      request<Body>(second.baseUrl, 'POST', `/api/v1/triggers/${id}/fire`, { text: 'after restart' }, { authorization: `Bearer ${token}` });
    expect((await fire(old)).status).toBe(401);
    const fired = await fire(current);
    expect(fired.status).toBe(201);
    const done = await waitForStatus(second.baseUrl, String(fired.body.task_id), ['completed']);
    expect(done).toMatchObject({ trigger_id: id, prompt: 'hello\n\nafter restart' });
    expect((await request<Body>(second.baseUrl, 'GET', `/api/v1/triggers/${id}`)).body).toMatchObject({ name: 'durable', fire_count: 1 });
  });
});
