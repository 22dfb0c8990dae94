import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitView, taskView } from '../../src/http/views.js';
import type { Task } from '../../src/tasks/task-types.js';
import { request, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * The task routes are serialized by fast-json-stringify from the response schemas, which writes
 * only the properties a schema names. Here real answers are compared with the view objects the
 * routes hand to Fastify: a field added to a view but missing from its schema (or a nested one)
 * is dropped on the wire and fails these tests.
 */

/** What views.ts reads from a request: its Host header and protocol. */
function requestFor(baseUrl: string): FastifyRequest {
  return { headers: { host: new URL(baseUrl).host }, protocol: 'http' } as unknown as FastifyRequest;
}

/** A stored task with every nullable field filled in, so nested schemas are exercised too. */
function everyFieldTask(workspace: string): Task {
  const at = '2026-01-19T10:00:00.000Z';
  return {
    task_id: 'task-every-field',
    tenant_id: 'default',
    session_id: 'session-every-field',
    prompt: 'quotes " and \\ backslashes, unicode ✓ and a\nnewline',
    workspace,
    options: { allowed_tools: ['Read', 'Write'], permission_mode: 'acceptEdits', max_turns: 5, timeout: 90.5, model: 'claude-test' },
    status: 'failed',
    created_at: at,
    started_at: at,
    completed_at: at,
    result: 'partial result',
    usage: { input_tokens: 1234, output_tokens: 56 },
    num_turns: 3,
    cost_usd: 0.0123,
    duration_ms: 4567.5,
    error: { code: 'AGENT_EXECUTION_ERROR', message: 'the tool failed' },
    request_hash: 'a'.repeat(64),
    webhook: { url: 'https://hooks.example.com/x', events: ['completed', 'failed'] },
    changed_files: [
      { path: 'a.txt', change: 'created', additions: 3, deletions: 0, binary: false },
      { path: 'logo.png', change: 'modified', additions: null, deletions: null, binary: true },
    ],
  };
}

describe('task answers serialized from the response schemas equal the views', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('GET, list and interrupt of a task with every field set', async () => {
    const task = everyFieldTask(server.workspaceRoot);
    await server.store.insertTask(task);
    const expected = taskView(requestFor(server.baseUrl), task);

    const one = await request(server.baseUrl, 'GET', `/api/v1/tasks/${task.task_id}`);
    expect(one.status).toBe(200);
    expect(one.body).toStrictEqual(JSON.parse(JSON.stringify(expected)));

    const list = await request<{ tasks: unknown[]; next_cursor: unknown }>(server.baseUrl, 'GET', '/api/v1/tasks?limit=100');
    expect(list.status).toBe(200);
    expect(list.body.tasks).toContainEqual(JSON.parse(JSON.stringify(expected)));
    expect(Object.keys(list.body).sort()).toEqual(['next_cursor', 'tasks']);
  });

  it('a real task: submit answer, then the finished task, equal their views', async () => {
    const submit = await request(server.baseUrl, 'POST', '/api/v1/tasks', {
      task_id: 'task-real-serialized',
      prompt: '[[script:write-file]] write the hello file',
      workspace: 'serialized',
      options: { allowed_tools: ['Read', 'Write'], permission_mode: 'acceptEdits', max_turns: 10, timeout: 60 },
    });
    expect(submit.status).toBe(201);
    const submitted = await server.store.getTask('task-real-serialized');
    expect(submit.body).toStrictEqual(JSON.parse(JSON.stringify(submitView(requestFor(server.baseUrl), submitted!))));

    await waitForStatus(server.baseUrl, 'task-real-serialized', ['completed']);
    const finished = await server.store.getTask('task-real-serialized');
    const answer = await request(server.baseUrl, 'GET', '/api/v1/tasks/task-real-serialized');
    expect(answer.body).toStrictEqual(JSON.parse(JSON.stringify(taskView(requestFor(server.baseUrl), finished!))));
    expect(answer.body).toMatchObject({ status: 'completed', changed_files: [expect.objectContaining({ change: 'created' })] });

    // Interrupting a finished task is refused; the error keeps the one error shape (default serializer).
    const refused = await request(server.baseUrl, 'POST', '/api/v1/tasks/task-real-serialized/interrupt');
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'TASK_NOT_RUNNING', message: expect.any(String) } });
  });
});
