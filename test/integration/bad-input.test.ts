import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const isRoot = process.getuid?.() === 0;

describe('bad input never produces a 5xx, and each gets a clear, stable error', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '1' });
  });
  afterAll(async () => server?.close());

  const raw = (body: string, contentType = 'application/json') => request(server.baseUrl, 'POST', '/api/v1/tasks', body, { 'content-type': contentType });

  const cases: [string, () => Promise<{ status: number; body: unknown }>, number, string][] = [
    ['malformed JSON', () => raw('{"prompt": "hi"'), 400, 'INVALID_JSON'],
    ['empty JSON body (no body: the task needs one)', () => raw(''), 400, 'VALIDATION_ERROR'],
    ['JSON null', () => raw('null'), 400, 'VALIDATION_ERROR'],
    ['JSON array', () => raw('[1,2]'), 400, 'VALIDATION_ERROR'],
    ['JSON string', () => raw('"do it"'), 400, 'VALIDATION_ERROR'],
    ['missing prompt', () => raw('{}'), 400, 'VALIDATION_ERROR'],
    ['empty prompt', () => raw('{"prompt": ""}'), 400, 'VALIDATION_ERROR'],
    ['blank prompt', () => raw('{"prompt": "   "}'), 400, 'VALIDATION_ERROR'],
    ['prompt of the wrong type', () => raw('{"prompt": 42}'), 400, 'VALIDATION_ERROR'],
    ['prompt too long', () => raw(JSON.stringify({ prompt: 'x'.repeat(200_001) })), 400, 'VALIDATION_ERROR'],
    ['task_id with a slash', () => raw('{"prompt": "hi", "task_id": "a/b"}'), 400, 'VALIDATION_ERROR'],
    ['task_id too long', () => raw(JSON.stringify({ prompt: 'hi', task_id: 'a'.repeat(129) })), 400, 'VALIDATION_ERROR'],
    ['task_id of the wrong type', () => raw('{"prompt": "hi", "task_id": 7}'), 400, 'VALIDATION_ERROR'],
    ['max_turns as a string', () => raw('{"prompt": "hi", "options": {"max_turns": "ten"}}'), 400, 'VALIDATION_ERROR'],
    ['max_turns zero', () => raw('{"prompt": "hi", "options": {"max_turns": 0}}'), 400, 'VALIDATION_ERROR'],
    ['max_turns fractional', () => raw('{"prompt": "hi", "options": {"max_turns": 1.5}}'), 400, 'VALIDATION_ERROR'],
    ['negative timeout', () => raw('{"prompt": "hi", "options": {"timeout": -5}}'), 400, 'VALIDATION_ERROR'],
    ['unknown permission_mode', () => raw('{"prompt": "hi", "options": {"permission_mode": "yolo"}}'), 400, 'VALIDATION_ERROR'],
    ['allowed_tools not a list', () => raw('{"prompt": "hi", "options": {"allowed_tools": "Bash"}}'), 400, 'VALIDATION_ERROR'],
    ['allowed_tools with a non-string', () => raw('{"prompt": "hi", "options": {"allowed_tools": [1]}}'), 400, 'VALIDATION_ERROR'],
    ['options not an object', () => raw('{"prompt": "hi", "options": []}'), 400, 'VALIDATION_ERROR'],
    ['unknown option (a typo)', () => raw('{"prompt": "hi", "options": {"maxTurns": 3}}'), 400, 'VALIDATION_ERROR'],
    ['unknown top-level field', () => raw('{"prompt": "hi", "priority": 1}'), 400, 'VALIDATION_ERROR'],
    ['reuse_existing not a boolean', () => raw('{"prompt": "hi", "session": {"reuse_existing": "yes"}}'), 400, 'VALIDATION_ERROR'],
    ['session_id with spaces', () => raw('{"prompt": "hi", "session": {"session_id": "a b"}}'), 400, 'VALIDATION_ERROR'],
    ['workspace of the wrong type', () => raw('{"prompt": "hi", "workspace": 5}'), 400, 'VALIDATION_ERROR'],
    ['__proto__ pollution attempt', () => raw('{"prompt": "hi", "__proto__": {"admin": true}}'), 400, 'INVALID_JSON'],
    ['oversized body', () => raw(JSON.stringify({ prompt: 'x'.repeat(1_100_000) })), 413, 'BODY_TOO_LARGE'],
    ['text/plain body', () => raw('prompt=hi', 'text/plain'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['bad list limit', () => request(server.baseUrl, 'GET', '/api/v1/tasks?limit=0'), 400, 'VALIDATION_ERROR'],
    ['unknown list filter', () => request(server.baseUrl, 'GET', '/api/v1/tasks?state=running'), 400, 'VALIDATION_ERROR'],
    ['unknown session status filter', () => request(server.baseUrl, 'GET', '/api/v1/sessions?status=zombie'), 400, 'VALIDATION_ERROR'],
    ['unknown route', () => request(server.baseUrl, 'GET', '/api/v1/nothing'), 404, 'NOT_FOUND'],
    ['wrong method', () => request(server.baseUrl, 'PUT', '/api/v1/tasks'), 404, 'NOT_FOUND'],
  ];

  it.each(cases)('%s', async (_name, send, status, code) => {
    const response = await send();
    expect(response.status).toBe(status);
    expect(response.body).toMatchObject({ error: { code, message: expect.any(String) } });
    expect((response.body as { error: { message: string } }).error.message.length).toBeGreaterThan(0);
  });

  it('names the offending field in validation messages', async () => {
    const { body } = await raw('{"prompt": "hi", "options": {"max_turns": "ten"}}');
    expect((body as { error: { message: string } }).error.message).toContain('options.max_turns');
  });

  it.runIf(isRoot)('refuses bypassPermissions while running as root, and says why', async () => {
    const { status, body } = await raw('{"prompt": "hi", "options": {"permission_mode": "bypassPermissions"}}');
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code: 'PERMISSION_MODE_REFUSED', message: expect.stringContaining('root') } });
  });

  it('takes a JSON content type with an empty body as no body on routes that need none (clients send it on every request)', async () => {
    const json = { 'content-type': 'application/json' };
    for (const [method, path] of [
      ['POST', '/api/v1/ws-tickets'],
      ['POST', '/api/v1/tasks/no-such-task/interrupt'],
      ['DELETE', '/api/v1/sessions/no-such-session'],
    ] as const) {
      const response = await request<{ error?: { code: string } }>(server.baseUrl, method, path, '', json);
      expect(response.body.error?.code ?? 'none', `${method} ${path}`).not.toBe('INVALID_JSON');
      expect(response.status, `${method} ${path}`).toBeLessThan(500);
    }
    // The default parser's guard still holds for bodies that are there.
    expect((await raw('{"prompt": "hi", "constructor": {"prototype": {"admin": true}}}')).body).toMatchObject({ error: { code: 'INVALID_JSON' } });
  });

  it('says what is wrong with a body that is not JSON without quoting the body back (it may hold a secret)', async () => {
    for (const body of ['{"prompt": "hi", "token": sk-live-0123456789abcdef}', 'sk-live-0123456789abcdef', '{"token": "sk-live-0123456789abcdef"']) {
      const response = await raw(body);
      expect(response.body, body).toMatchObject({ error: { code: 'INVALID_JSON', message: expect.stringMatching(/^Request body is not valid JSON/) } });
      expect(JSON.stringify(response.body), body).not.toContain('sk-live');
      // The A2A binding parses its own bodies (with V8's own message, which quotes the body).
      const rpc = await request(server.baseUrl, 'POST', '/a2a/jsonrpc', body, { 'content-type': 'application/json' });
      expect(JSON.stringify(rpc.body), body).toMatch(/not valid JSON/);
      expect(JSON.stringify(rpc.body), body).not.toContain('sk-live');
    }
  });

  it('stored nothing for any refused submission', async () => {
    const { body } = await request<{ tasks: unknown[] }>(server.baseUrl, 'GET', '/api/v1/tasks');
    expect(body.tasks).toEqual([]);
  });
});

describe('workspaces stay inside WORKSPACE_ROOT', () => {
  let server: TestServer;
  let outside: string;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '1' });
    outside = mkdtempSync(path.join(tmpdir(), 'ccs-outside-'));
    mkdirSync(server.workspaceRoot, { recursive: true });
    symlinkSync(outside, path.join(server.workspaceRoot, 'escape-link'));
    symlinkSync(path.join(outside, 'missing'), path.join(server.workspaceRoot, 'dangling-out-link'));
    symlinkSync(path.join(server.workspaceRoot, 'missing'), path.join(server.workspaceRoot, 'dangling-link'));
    writeFileSync(path.join(server.workspaceRoot, 'a-file'), 'not a directory');
  });
  afterAll(async () => server?.close());

  const submit = (workspace: string) => request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'hi', workspace });

  it.each([
    ['parent traversal', '../escaped', 'WORKSPACE_OUTSIDE_ROOT'],
    ['traversal in the middle', 'a/../../escaped', 'WORKSPACE_OUTSIDE_ROOT'],
    ['absolute path elsewhere', '/etc', 'WORKSPACE_OUTSIDE_ROOT'],
    ['symlink that points out', 'escape-link', 'WORKSPACE_OUTSIDE_ROOT'],
    ['directory below a symlink that points out', 'escape-link/new-dir', 'WORKSPACE_OUTSIDE_ROOT'],
    ['dangling symlink', 'dangling-link/x', 'WORKSPACE_INVALID'],
    // Whether its target exists outside is not told: that would let a tenant probe the host.
    ['dangling symlink that points out', 'dangling-out-link/x', 'WORKSPACE_OUTSIDE_ROOT'],
    ['a regular file', 'a-file', 'WORKSPACE_NOT_A_DIRECTORY'],
    ['a path through a file', 'a-file/sub', 'WORKSPACE_NOT_A_DIRECTORY'],
  ])('refuses %s', async (_name, workspace, code) => {
    const { status, body } = await submit(workspace);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: { code } });
  });

  it('created nothing outside the root while refusing', () => {
    expect(existsSync(path.join(path.dirname(server.workspaceRoot), 'escaped'))).toBe(false);
    expect(existsSync(path.join(outside, 'new-dir'))).toBe(false);
    expect(existsSync(path.join(outside, 'missing'))).toBe(false);
    expect(existsSync(path.join(server.workspaceRoot, 'missing'))).toBe(false);
  });

  it('accepts an absolute path inside the root and creates it', async () => {
    const inside = path.join(server.workspaceRoot, 'abs', 'project');
    const { status, body } = await submit(inside);
    expect(status).toBe(201);
    expect(existsSync(inside)).toBe(true);
    const task = await request(server.baseUrl, 'GET', `/api/v1/tasks/${String(body.task_id)}`);
    expect(task.body.workspace).toBe(inside);
  });
});
