import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import { checkWorkspaceAccess } from '../../src/workspaces/workspace-access.js';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const NOBODY = { uid: 65534, gid: 65534, groups: [] };

async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe('checkWorkspaceAccess decides for the agent user, from ownership and mode bits', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ccs-ws-access-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('accepts a directory the agent owns, and one writable through its group', async () => {
    const own = path.join(dir, 'own');
    await mkdir(own);
    await chown(own, NOBODY.uid, NOBODY.gid);
    expect(await codeOf(checkWorkspaceAccess(own, NOBODY))).toBeNull();
    const shared = path.join(dir, 'shared');
    await mkdir(shared);
    await chown(shared, 0, 4242);
    await chmod(shared, 0o770);
    expect(await codeOf(checkWorkspaceAccess(shared, { uid: 65534, gid: 65534, groups: [4242] }))).toBeNull();
  });

  it('refuses a directory the agent cannot write (WORKSPACE_NOT_WRITABLE) or read (WORKSPACE_NOT_READABLE)', async () => {
    const rootOwned = path.join(dir, 'root-755');
    await mkdir(rootOwned);
    await chmod(rootOwned, 0o755);
    expect(await codeOf(checkWorkspaceAccess(rootOwned, NOBODY))).toBe('WORKSPACE_NOT_WRITABLE');
    const closed = path.join(dir, 'root-700');
    await mkdir(closed);
    await chmod(closed, 0o700);
    expect(await codeOf(checkWorkspaceAccess(closed, NOBODY))).toBe('WORKSPACE_NOT_READABLE');
    // The server itself (root here) may use both: the answer is for the agent's user.
    expect(await codeOf(checkWorkspaceAccess(closed, { uid: 0, gid: 0 }))).toBeNull();
  });

  it('refuses a workspace behind a parent the agent cannot enter', async () => {
    const parent = path.join(dir, 'locked-parent');
    const inner = path.join(parent, 'ws');
    await mkdir(inner, { recursive: true });
    await chown(inner, NOBODY.uid, NOBODY.gid);
    await chmod(parent, 0o700);
    expect(await codeOf(checkWorkspaceAccess(inner, NOBODY))).toBe('WORKSPACE_NOT_READABLE');
  });

  it('refuses a file (WORKSPACE_NOT_A_DIRECTORY), and creates a missing workspace owned by the agent', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, 'x');
    expect(await codeOf(checkWorkspaceAccess(file, NOBODY))).toBe('WORKSPACE_NOT_A_DIRECTORY');
    expect(await codeOf(checkWorkspaceAccess(path.join(file, 'below'), NOBODY))).toBe('WORKSPACE_NOT_A_DIRECTORY');
    const created = path.join(dir, 'created');
    expect(await codeOf(checkWorkspaceAccess(created, NOBODY))).toBeNull();
    expect(await codeOf(checkWorkspaceAccess(created, NOBODY))).toBeNull();
  });
});

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
