import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELLO_CONTENT, HELLO_FILE } from '../../src/dev/scripted-model/index.js';
import { EVENT_TYPES } from '../../src/events/event-types.js';
import { collectEvents, request, upgradeStatus, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const CODING_OPTIONS = { allowed_tools: ['Read', 'Write', 'Edit', 'Bash'], permission_mode: 'acceptEdits', max_turns: 10, timeout: 60 };

describe('tasks over REST with events over WebSocket (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('reports health in the seed shape', async () => {
    const { status, body } = await request(server.baseUrl, 'GET', '/health');
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'healthy', version: '1.0.0', active_sessions: expect.any(Number), active_tasks: 0, queued_tasks: 0 });
    expect(body.uptime_seconds).toEqual(expect.any(Number));
  });

  it('runs a coding task end to end: the file is written and every event type but error is streamed', async () => {
    const submit = await request(server.baseUrl, 'POST', '/api/v1/tasks', {
      task_id: 'task-write',
      prompt: '[[script:write-file]] write the hello file',
      workspace: 'project-a',
      options: CODING_OPTIONS,
      session: { reuse_existing: false },
    });
    expect(submit.status).toBe(201);
    expect(submit.body).toMatchObject({ task_id: 'task-write', session_id: 'session-task-write' });
    expect(['queued', 'running']).toContain(submit.body.status);
    expect(submit.body.websocket_url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/tasks\/task-write$/);
    expect(Date.parse(String(submit.body.created_at))).not.toBeNaN();

    const stream = await collectEvents(String(submit.body.websocket_url));
    expect(stream.closeCode).toBe(1000);
    const types = stream.events.map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['tool_use', 'tool_result', 'progress', 'message', 'complete']));
    expect(types.filter((t) => t === 'complete')).toHaveLength(1);
    expect(types.at(-1)).toBe('complete');
    expect(stream.events.map((e) => e.seq)).toEqual(stream.events.map((_, i) => i + 1));
    for (const event of stream.events) {
      expect(Object.keys(event).sort()).toEqual(['data', 'seq', 'task_id', 'timestamp', 'type']);
      expect(EVENT_TYPES).toContain(event.type);
      expect(event.task_id).toBe('task-write');
    }
    const toolUse = stream.events.find((e) => e.type === 'tool_use');
    expect(toolUse?.data).toMatchObject({ name: 'Write', tool_use_id: expect.any(String), input: { content: HELLO_CONTENT } });
    const toolResult = stream.events.find((e) => e.type === 'tool_result');
    expect(toolResult?.data).toMatchObject({ tool_use_id: (toolUse?.data as { tool_use_id: string }).tool_use_id, is_error: false });
    const progress = stream.events.filter((e) => e.type === 'progress').at(-1);
    expect(progress?.data).toMatchObject({ turns: expect.any(Number), input_tokens: expect.any(Number), files_changed: [HELLO_FILE] });
    const complete = stream.events.at(-1)!;
    expect(complete.data).toMatchObject({ status: 'completed', num_turns: 2, usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) } });

    const file = path.join(server.workspaceRoot, 'project-a', HELLO_FILE);
    expect(readFileSync(file, 'utf8')).toBe(HELLO_CONTENT);

    const { body: task } = await request(server.baseUrl, 'GET', '/api/v1/tasks/task-write');
    expect(task).toMatchObject({
      task_id: 'task-write',
      session_id: 'session-task-write',
      status: 'completed',
      result: expect.stringContaining('hello'),
      num_turns: 2,
      error: null,
    });
    expect((task.usage as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    expect((task.usage as { output_tokens: number }).output_tokens).toBeGreaterThan(0);
    expect(task.cost_usd).toBeGreaterThan(0);
    expect(task.duration_ms).toBeGreaterThan(0);
    for (const field of ['created_at', 'started_at', 'completed_at']) expect(Date.parse(String(task[field]))).not.toBeNaN();
  });

  it('replays the whole history to a late subscriber, and only what follows ?after', async () => {
    const full = await collectEvents(`${server.wsBase}/ws/tasks/task-write`);
    expect(full.events.at(-1)?.type).toBe('complete');
    expect(full.events[0]?.seq).toBe(1);
    const tail = await collectEvents(`${server.wsBase}/ws/tasks/task-write?after=2`);
    expect(tail.events).toEqual(full.events.slice(2));
    // A client that already has `complete` is told at once that there is nothing more.
    const none = await collectEvents(`${server.wsBase}/ws/tasks/task-write?after=${full.events.length}`);
    expect(none).toMatchObject({ events: [], closeCode: 1000 });
  });

  it('refuses the upgrade for an unknown task with 404 and for a bad ?after with 400', async () => {
    expect(await upgradeStatus(`${server.wsBase}/ws/tasks/no-such-task`)).toBe(404);
    expect(await upgradeStatus(`${server.wsBase}/ws/tasks/task-write?after=-1`)).toBe(400);
  });

  it('generates a task_id when none is given', async () => {
    const { status, body } = await request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'just say hi' });
    expect(status).toBe(201);
    expect(body.task_id).toMatch(/^task-[0-9a-f-]{36}$/);
    expect(body.session_id).toBe(`session-${body.task_id}`);
    const done = await waitForStatus(server.baseUrl, String(body.task_id), ['completed']);
    expect(existsSync(String(done.workspace))).toBe(true);
    expect(String(done.workspace)).toBe(path.join(server.workspaceRoot, `session-${body.task_id}`));
  });

  it('returns the same task for an identical retry, and 409 for a different body under the same id', async () => {
    const body = { task_id: 'task-idem', prompt: 'hello there', options: { max_turns: 3 } };
    const first = await request(server.baseUrl, 'POST', '/api/v1/tasks', body);
    expect(first.status).toBe(201);
    const retry = await request(server.baseUrl, 'POST', '/api/v1/tasks', { options: { max_turns: 3 }, prompt: 'hello there', task_id: 'task-idem' });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ task_id: 'task-idem', session_id: first.body.session_id, created_at: first.body.created_at });
    const conflict = await request(server.baseUrl, 'POST', '/api/v1/tasks', { ...body, prompt: 'something else' });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({ error: { code: 'TASK_ID_CONFLICT', message: expect.any(String) } });
    await waitForStatus(server.baseUrl, 'task-idem', ['completed']);
    const list = await request<{ tasks: { task_id: string }[] }>(server.baseUrl, 'GET', '/api/v1/tasks');
    expect(list.body.tasks.filter((t) => t.task_id === 'task-idem')).toHaveLength(1);
  });

  it('lists tasks newest first, filters by status and pages by cursor', async () => {
    const all = await request<{ tasks: { task_id: string; status: string }[]; next_cursor: string | null }>(server.baseUrl, 'GET', '/api/v1/tasks');
    expect(all.status).toBe(200);
    expect(all.body.tasks.length).toBeGreaterThanOrEqual(3);
    const completed = await request<{ tasks: { status: string }[] }>(server.baseUrl, 'GET', '/api/v1/tasks?status=completed');
    expect(completed.body.tasks.every((t) => t.status === 'completed')).toBe(true);
    const failed = await request<{ tasks: unknown[] }>(server.baseUrl, 'GET', '/api/v1/tasks?status=failed');
    expect(failed.body.tasks).toEqual([]);
    const page1 = await request<{ tasks: { task_id: string }[]; next_cursor: string }>(server.baseUrl, 'GET', '/api/v1/tasks?limit=2');
    expect(page1.body.tasks).toHaveLength(2);
    const page2 = await request<{ tasks: { task_id: string }[] }>(server.baseUrl, 'GET', `/api/v1/tasks?limit=2&cursor=${page1.body.next_cursor}`);
    expect(page2.body.tasks[0]?.task_id).toBe(all.body.tasks[2]?.task_id);
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks?status=done')).status).toBe(400);
  });

  it('answers 404 with the error shape for unknown tasks', async () => {
    for (const [method, p] of [
      ['GET', '/api/v1/tasks/nope'],
      ['POST', '/api/v1/tasks/nope/interrupt'],
    ] as const) {
      const { status, body } = await request(server.baseUrl, method, p);
      expect(status).toBe(404);
      expect(body).toEqual({ error: { code: 'TASK_NOT_FOUND', message: expect.any(String) } });
    }
  });

  it('returns a request id header, honouring the caller’s own', async () => {
    const own = await request(server.baseUrl, 'GET', '/health', undefined, { 'x-request-id': 'abc-123' });
    expect(own.headers.get('x-request-id')).toBe('abc-123');
    const generated = await request(server.baseUrl, 'GET', '/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
