import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents, request, waitFor } from '../helpers/client.js';
import { agentProcessRoots } from '../helpers/processes.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('TASK_DEFAULT_TIMEOUT_SECONDS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0', TASK_DEFAULT_TIMEOUT_SECONDS: '2', TASK_INTERRUPT_GRACE_MS: '1000' });
  });
  afterAll(async () => server?.close());

  it('ends a task without a timeout that never hears back from the model as timed_out, freeing its slot', async () => {
    // The scripted model holds its answer for 30 s: a model that went silent.
    const accepted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'silent', prompt: '[[script:slow]]' });
    expect(accepted.status).toBe(201);
    const { events } = await collectEvents(`${server.wsBase}/ws/tasks/silent`, 30_000);
    expect(events.at(-2)).toMatchObject({ type: 'error', data: { code: 'TASK_TIMEOUT', message: expect.stringContaining('2 s') } });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'timed_out' } });
    const { body } = await request(server.baseUrl, 'GET', '/api/v1/tasks/silent');
    expect(body).toMatchObject({ status: 'timed_out', error: { code: 'TASK_TIMEOUT' } });
    await waitFor(async () => ((await request(server.baseUrl, 'GET', '/health')).body.agent_processes as { busy: number }).busy === 0);
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.body).toMatchObject({ status: 'healthy', active_tasks: 0 });
    // An explicit timeout still wins over the default.
    const explicit = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'quick', prompt: 'hello', options: { timeout: 120 } });
    expect(explicit.status).toBe(201);
    const done = await collectEvents(`${server.wsBase}/ws/tasks/quick`, 30_000);
    expect(done.events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'completed' } });
    // No orphan: every agent process left is the idle process of one of the two sessions.
    const known = new Set(['session-silent', 'session-quick'].map((id) => server.agents.livePid(id)));
    expect(agentProcessRoots(process.pid).filter((pid) => !known.has(pid))).toEqual([]);
  });
});
