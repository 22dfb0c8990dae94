import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('unusable workspaces through the API (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0', SESSION_MAX_CONCURRENT: '2' });
  });
  afterAll(async () => server?.close());

  const submit = (body: Record<string, unknown>) => request(server.baseUrl, 'POST', '/api/v1/tasks', body);

  it('refuses a reused session whose folder was replaced by a file, with WORKSPACE_NOT_A_DIRECTORY', async () => {
    expect((await submit({ task_id: 'ws-first', prompt: 'hello', workspace: 'replaced', session: { session_id: 'ws-replaced' } })).status).toBe(201);
    expect((await waitForStatus(server.baseUrl, 'ws-first', ['completed', 'failed'])).status).toBe('completed');
    const folder = path.join(server.workspaceRoot, 'replaced');
    await rm(folder, { recursive: true, force: true });
    await writeFile(folder, 'not a folder any more');
    const refused = await submit({ prompt: 'again', session: { session_id: 'ws-replaced', reuse_existing: true } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'WORKSPACE_NOT_A_DIRECTORY' } });
  });

  it('recreates a reused session folder that was removed, and runs the task', async () => {
    expect((await submit({ task_id: 'ws-removed-1', prompt: 'hello', workspace: 'removed', session: { session_id: 'ws-removed' } })).status).toBe(201);
    await waitForStatus(server.baseUrl, 'ws-removed-1', ['completed', 'failed']);
    await rm(path.join(server.workspaceRoot, 'removed'), { recursive: true, force: true });
    const again = await submit({ task_id: 'ws-removed-2', prompt: 'again', session: { session_id: 'ws-removed', reuse_existing: true } });
    expect(again.status).toBe(201);
    expect((await waitForStatus(server.baseUrl, 'ws-removed-2', ['completed', 'failed'])).status).toBe('completed');
  });

  it('fails a queued task whose folder was replaced before it started with WORKSPACE_NOT_A_DIRECTORY (not a libc message), and ends its stream', async () => {
    const slow = `[[script:${JSON.stringify({ steps: [{ delay_ms: 2500, text: 'slow first' }] })}]]`;
    expect((await submit({ task_id: 'ws-q-1', prompt: slow, workspace: 'swapped', session: { session_id: 'ws-swapped' } })).status).toBe(201);
    await waitForStatus(server.baseUrl, 'ws-q-1', ['running']);
    const queued = await submit({ task_id: 'ws-q-2', prompt: 'second', session: { session_id: 'ws-swapped', reuse_existing: true } });
    expect(queued.status).toBe(201);
    expect(queued.body.status).toBe('queued');
    const stream = collectEvents(`${server.wsBase}/ws/tasks/ws-q-2`);
    const folder = path.join(server.workspaceRoot, 'swapped');
    await rm(folder, { recursive: true, force: true });
    await writeFile(folder, 'swapped for a file');

    const { events } = await stream;
    expect(events.at(-2)).toMatchObject({ type: 'error', data: { code: 'WORKSPACE_NOT_A_DIRECTORY' } });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
    const task = await request(server.baseUrl, 'GET', '/api/v1/tasks/ws-q-2');
    expect(task.body).toMatchObject({ status: 'failed', error: { code: 'WORKSPACE_NOT_A_DIRECTORY' } });
    expect(JSON.stringify(task.body)).not.toMatch(/libc/);
    await waitFor(async () => ((await request(server.baseUrl, 'GET', '/health')).body.agent_processes as { busy: number }).busy === 0);
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.body).toMatchObject({ status: 'healthy', active_tasks: 0, queued_tasks: 0 });
  });
});
