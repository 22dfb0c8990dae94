import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costUsd, EMPTY_USAGE } from '../../src/model-proxy/model-prices.js';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('sessions (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_IDLE_TIMEOUT_SECONDS: '2', SESSION_CLEANUP_INTERVAL_SECONDS: '1' });
  });
  afterAll(async () => server?.close());

  const post = (body: Record<string, unknown>) => request(server.baseUrl, 'POST', '/api/v1/tasks', body);

  /** What the scripted model billed for the calls it answered from `from` on (its own usage, list prices). */
  const billedSince = (from: number): number =>
    server.model.requests.slice(from).reduce((sum, r) => sum + (r.billed ? costUsd(r.billed.model, { ...EMPTY_USAGE, ...r.billed.usage }) : 0), 0);

  it('reuses a session: the agent remembers the earlier conversation', async () => {
    expect((await post({ task_id: 'mem-1', prompt: '[[script:remember]] remember pineapple' })).status).toBe(201);
    const first = await waitForStatus(server.baseUrl, 'mem-1', ['completed', 'failed']);
    expect(first.result).toContain('pineapple');

    const callsBefore = server.model.requests.length;
    const second = await post({
      task_id: 'mem-2',
      prompt: '[[script:recall]] what did I ask you to remember?',
      session: { reuse_existing: true, session_id: 'session-mem-1' },
    });
    expect(second.status).toBe(201);
    expect(second.body.session_id).toBe('session-mem-1');
    const done = await waitForStatus(server.baseUrl, 'mem-2', ['completed', 'failed']);
    expect(done).toMatchObject({ status: 'completed', workspace: first.workspace });
    expect(done.result).toContain('pineapple');
    // Cost is per task even though the CLI reports a running total for its conversation: the
    // second task costs what its own calls were billed, not that plus the first task's cost.
    const ownCalls = billedSince(callsBefore);
    expect(Number(first.cost_usd)).toBeGreaterThan(0);
    expect(Number(done.cost_usd)).toBeCloseTo(ownCalls, 6);

    const { body: session } = await request(server.baseUrl, 'GET', '/api/v1/sessions/session-mem-1');
    expect(session).toMatchObject({ session_id: 'session-mem-1', status: 'idle', task_count: 2, current_task_id: null, claude_session_id: expect.any(String) });
    expect(Number(session.cost_usd)).toBeCloseTo(Number(first.cost_usd) + Number(done.cost_usd), 6);
  });

  it('runs one task at a time per session; later ones wait their turn', async () => {
    await post({ task_id: 'serial-1', prompt: '[[script:slow]]' });
    const second = await post({ task_id: 'serial-2', prompt: 'after you', session: { reuse_existing: true, session_id: 'session-serial-1' } });
    expect(second.body.status).toBe('queued');
    await waitForStatus(server.baseUrl, 'serial-1', ['running']);
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks/serial-2')).body.status).toBe('queued');
    await request(server.baseUrl, 'POST', '/api/v1/tasks/serial-1/interrupt');
    const done = await waitForStatus(server.baseUrl, 'serial-2', ['completed', 'failed']);
    expect(done.status).toBe('completed');
    expect(Date.parse(String(done.started_at))).toBeGreaterThanOrEqual(
      Date.parse(String((await request(server.baseUrl, 'GET', '/api/v1/tasks/serial-1')).body.completed_at)),
    );
  });

  it('reuses the most recent idle session of the same workspace when no session_id is given', async () => {
    await post({ task_id: 'ws-1', prompt: 'hi', workspace: 'shared-ws' });
    await waitForStatus(server.baseUrl, 'ws-1', ['completed']);
    const { body } = await post({ task_id: 'ws-2', prompt: 'hi again', workspace: 'shared-ws', session: { reuse_existing: true } });
    expect(body.session_id).toBe('session-ws-1');
    await waitForStatus(server.baseUrl, 'ws-2', ['completed']);
  });

  it('refuses unknown, clashing and mismatched sessions', async () => {
    const unknown = await post({ prompt: 'x', session: { reuse_existing: true, session_id: 'no-such-session' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'SESSION_NOT_FOUND', message: expect.any(String) } });

    const clash = await post({ prompt: 'x', session: { session_id: 'session-ws-1' } });
    expect(clash.status).toBe(409);
    expect((clash.body.error as { code: string }).code).toBe('SESSION_ALREADY_EXISTS');

    const mismatch = await post({ prompt: 'x', workspace: 'other-ws', session: { reuse_existing: true, session_id: 'session-ws-1' } });
    expect(mismatch.status).toBe(409);
    expect((mismatch.body.error as { code: string }).code).toBe('SESSION_WORKSPACE_MISMATCH');
  });

  it('names a new session after the client when asked', async () => {
    const { status, body } = await post({ task_id: 'named', prompt: 'hi', session: { session_id: 'my-session' } });
    expect(status).toBe(201);
    expect(body.session_id).toBe('my-session');
    await waitForStatus(server.baseUrl, 'named', ['completed']);
  });

  it('lists and gets sessions; 404 for unknown ones', async () => {
    const { status, body } = await request<{ sessions: { session_id: string }[]; total: number }>(server.baseUrl, 'GET', '/api/v1/sessions?status=all');
    expect(status).toBe(200);
    expect(body.sessions.map((s) => s.session_id)).toEqual(expect.arrayContaining(['session-mem-1', 'my-session']));
    expect(body.total).toBe(body.sessions.length);
    expect((await request(server.baseUrl, 'GET', '/api/v1/sessions/nope')).status).toBe(404);
    expect((await request(server.baseUrl, 'DELETE', '/api/v1/sessions/nope')).status).toBe(404);
  });

  it('deleting a busy session interrupts its task first', async () => {
    await post({ task_id: 'doomed', prompt: '[[script:slow]]' });
    await waitForStatus(server.baseUrl, 'doomed', ['running']);
    const streamed = collectEvents(`${server.wsBase}/ws/tasks/doomed`);
    const { status, body } = await request(server.baseUrl, 'DELETE', '/api/v1/sessions/session-doomed');
    expect(status).toBe(200);
    expect(body).toMatchObject({ session_id: 'session-doomed', deleted: true, interrupted_tasks: ['doomed'] });
    const { events } = await streamed;
    expect(events.at(-2)).toMatchObject({ type: 'error', data: { code: 'SESSION_DELETED' } });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'interrupted' } });
    expect((await request(server.baseUrl, 'GET', '/api/v1/sessions/session-doomed')).status).toBe(404);
    const reuse = await post({ prompt: 'x', session: { reuse_existing: true, session_id: 'session-doomed' } });
    expect(reuse.status).toBe(404);
  });

  it('expires idle sessions, and a later task in an expired session still resumes it', async () => {
    await waitFor(
      async () => {
        const { body } = await request(server.baseUrl, 'GET', '/api/v1/sessions/session-mem-1');
        return body.status === 'expired';
      },
      10_000,
      200,
    );
    const open = await request<{ sessions: { session_id: string }[] }>(server.baseUrl, 'GET', '/api/v1/sessions');
    expect(open.body.sessions.map((s) => s.session_id)).not.toContain('session-mem-1');
    // /health counts the same open sessions as the list. Other idle sessions of this suite keep
    // expiring meanwhile, so compare two readings taken back to back until nothing changed between them.
    await waitFor(async () => {
      const before = (await request<{ sessions: unknown[] }>(server.baseUrl, 'GET', '/api/v1/sessions')).body.sessions.length;
      const health = (await request(server.baseUrl, 'GET', '/health')).body.active_sessions;
      const after = (await request<{ sessions: unknown[] }>(server.baseUrl, 'GET', '/api/v1/sessions')).body.sessions.length;
      return before === after && health === after;
    });

    const callsBefore = server.model.requests.length;
    await post({ task_id: 'mem-3', prompt: '[[script:recall]] still there?', session: { reuse_existing: true, session_id: 'session-mem-1' } });
    const done = await waitForStatus(server.baseUrl, 'mem-3', ['completed', 'failed']);
    expect(done.result).toContain('pineapple');
    // A resumed conversation (a new CLI process) is still charged only for its own calls.
    expect(Number(done.cost_usd)).toBeCloseTo(billedSince(callsBefore), 6);
  });

  it('keeps workspaces apart: a session made in one workspace directory is not picked for another', async () => {
    mkdirSync(path.join(server.workspaceRoot, 'nested', 'deeper'), { recursive: true });
    const { body } = await post({ task_id: 'nest', prompt: 'hi', workspace: 'nested/deeper', session: { reuse_existing: true } });
    expect(body.session_id).toBe('session-nest');
    await waitForStatus(server.baseUrl, 'nest', ['completed']);
  });
});
