import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { collectEvents, request, waitForStatus } from '../helpers/client.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ALPHA_KEY = 'alpha-key-0f3c9a1b2d';
const ALPHA_KEY_2 = 'alpha-second-key-77e1';
const BETA_KEY = 'beta-key-5b8d2e4f6a';
const ADMIN_KEY = 'default-tenant-key-19ac';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('error', reject);
  });
}

describe('tenants (API_KEYS_FILE): each sees and touches only its own', () => {
  let model: ScriptedModel;
  let server: TestServer;
  const as = (key: string) => (method: string, p: string, body?: unknown) => request(server.baseUrl, method, p, body, { 'x-api-key': key });
  const alpha = (method: string, p: string, body?: unknown) => as(ALPHA_KEY)(method, p, body);
  const beta = (method: string, p: string, body?: unknown) => as(BETA_KEY)(method, p, body);

  beforeAll(async () => {
    model = await startScriptedModel();
    const dir = path.join(process.env.TMPDIR ?? '/tmp', `ccs-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      dir,
      [
        'tenants:',
        '  - id: alpha',
        `    key_sha256: [${sha(ALPHA_KEY)}, ${sha(ALPHA_KEY_2)}]`,
        '  - id: beta',
        `    key_sha256: [${sha(BETA_KEY)}]`,
        '    max_concurrent: 1',
      ].join('\n'),
    );
    server = await startTestServer(
      { API_AUTH_ENABLED: 'true', API_KEYS_FILE: dir, API_API_KEY: ADMIN_KEY, SESSION_MAX_CONCURRENT: '3', WARM_POOL_SIZE: '0' },
      model,
    );
  });
  afterAll(async () => {
    await server?.close();
    await model?.close();
  });

  it('keeps ids apart: both tenants can use the same task_id', async () => {
    expect((await alpha('POST', '/api/v1/tasks', { task_id: 'same-id', prompt: '[[script:remember]] remember alpha-secret' })).status).toBe(201);
    expect((await beta('POST', '/api/v1/tasks', { task_id: 'same-id', prompt: '[[script:remember]] remember beta-secret' })).status).toBe(201);
    const a = await waitForStatus(server.baseUrl, 'same-id', ['completed'], undefined, { 'x-api-key': ALPHA_KEY });
    const b = await waitForStatus(server.baseUrl, 'same-id', ['completed'], undefined, { 'x-api-key': BETA_KEY });
    expect(a.result).toContain('alpha-secret');
    expect(b.result).toContain('beta-secret');
    expect(a.session_id).toBe('session-same-id');
    // Each tenant's workspaces live in a subtree of their own.
    expect(String(a.workspace)).toBe(path.join(server.workspaceRoot, 'alpha', 'session-same-id'));
    expect(String(b.workspace)).toBe(path.join(server.workspaceRoot, 'beta', 'session-same-id'));
  });

  it("answers 404 for another tenant's ids on every route, exactly as for ids that do not exist", async () => {
    await alpha('POST', '/api/v1/tasks', { task_id: 'alpha-only', prompt: 'hello' });
    await waitForStatus(server.baseUrl, 'alpha-only', ['completed'], undefined, { 'x-api-key': ALPHA_KEY });
    const probes: [string, string, unknown?][] = [
      ['GET', '/api/v1/tasks/{id}'],
      ['POST', '/api/v1/tasks/{id}/interrupt'],
      ['GET', '/api/v1/tasks/{id}/events'],
      ['GET', '/api/v1/tasks/{id}/events?format=json'],
      ['GET', '/api/v1/sessions/session-{id}'],
      ['DELETE', '/api/v1/sessions/session-{id}'],
      ['POST', '/api/v1/tasks', { prompt: 'x', session: { reuse_existing: true, session_id: 'session-{id}' } }],
    ];
    for (const [method, template, body] of probes) {
      const fill = (id: string) =>
        [template.replace('{id}', id), body === undefined ? undefined : JSON.parse(JSON.stringify(body).replace('{id}', id))] as const;
      const [theirs, theirBody] = fill('alpha-only');
      const [missing, missingBody] = fill('never-existed');
      const foreign = await beta(method, theirs, theirBody);
      const absent = await beta(method, missing, missingBody);
      expect(foreign.status, `${method} ${theirs}`).toBe(404);
      expect(foreign.status).toBe(absent.status);
      expect((foreign.body as { error: { code: string } }).error.code).toBe((absent.body as { error: { code: string } }).error.code);
      expect(JSON.stringify(foreign.body).replaceAll('alpha-only', 'X')).toBe(JSON.stringify(absent.body).replaceAll('never-existed', 'X'));
    }
    expect(await upgrade(`${server.wsBase}/ws/tasks/alpha-only`, { 'x-api-key': BETA_KEY })).toBe(404);
    expect(await upgrade(`${server.wsBase}/ws/tasks/alpha-only`, { 'x-api-key': ALPHA_KEY })).toBe(101);
    // Still there for its owner.
    expect((await alpha('GET', '/api/v1/tasks/alpha-only')).body.status).toBe('completed');
    expect((await as(ALPHA_KEY_2)('GET', '/api/v1/tasks/alpha-only')).status).toBe(200);
  });

  it('lists only the caller’s own tasks and sessions', async () => {
    const tasks = await beta('GET', '/api/v1/tasks');
    expect((tasks.body.tasks as { task_id: string }[]).map((t) => t.task_id)).toEqual(['same-id']);
    const sessions = await beta('GET', '/api/v1/sessions?status=all');
    expect((sessions.body.sessions as { session_id: string }[]).map((s) => s.session_id)).toEqual(['session-same-id']);
    const admin = await as(ADMIN_KEY)('GET', '/api/v1/tasks');
    expect(admin.body.tasks).toEqual([]);
  });

  it('keeps a tenant inside its own workspace subtree', async () => {
    const escape = await beta('POST', '/api/v1/tasks', { prompt: 'x', workspace: '../alpha/session-alpha-only' });
    expect(escape.status).toBe(400);
    expect((escape.body.error as { code: string }).code).toBe('WORKSPACE_OUTSIDE_ROOT');
  });

  it('holds a tenant to its concurrency share while others still run', async () => {
    await beta('POST', '/api/v1/tasks', { task_id: 'beta-slow-1', prompt: '[[script:slow]]' });
    const second = await beta('POST', '/api/v1/tasks', { task_id: 'beta-slow-2', prompt: '[[script:slow]]' });
    expect(second.body.status).toBe('queued');
    const other = await alpha('POST', '/api/v1/tasks', { task_id: 'alpha-meanwhile', prompt: 'hello' });
    expect(other.body.status).toBe('running');
    await waitForStatus(server.baseUrl, 'alpha-meanwhile', ['completed'], undefined, { 'x-api-key': ALPHA_KEY });
    expect((await beta('GET', '/api/v1/tasks/beta-slow-2')).body.status).toBe('queued');
    await beta('POST', '/api/v1/tasks/beta-slow-2/interrupt');
    await beta('POST', '/api/v1/tasks/beta-slow-1/interrupt');
  });

  it('lets a browser connect with a single-use ticket instead of a key', async () => {
    const issued = await alpha('POST', '/api/v1/ws-tickets');
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ ticket: expect.any(String), expires_in_seconds: 30 });
    const ticket = String(issued.body.ticket);
    const stream = await collectEvents(`${server.wsBase}/ws/tasks/alpha-only?ticket=${ticket}`);
    expect(stream.events.at(-1)?.type).toBe('complete');
    expect(stream.events[0]?.task_id).toBe('alpha-only');
    // Single use: the same ticket again is refused.
    expect(await upgrade(`${server.wsBase}/ws/tasks/alpha-only?ticket=${ticket}`)).toBe(401);
    // A ticket is as good as its tenant: beta's ticket does not open alpha's task.
    const betaTicket = String((await beta('POST', '/api/v1/ws-tickets')).body.ticket);
    expect(await upgrade(`${server.wsBase}/ws/tasks/alpha-only?ticket=${betaTicket}`)).toBe(404);
    expect(await upgrade(`${server.wsBase}/ws/tasks/alpha-only?ticket=made-up`)).toBe(401);
    // Tickets only stand in for keys on the WebSocket.
    expect((await request(server.baseUrl, 'GET', `/api/v1/tasks/alpha-only?ticket=${ticket}`)).status).toBe(401);
  });

  it('labels task metrics with the tenant', async () => {
    const samples = parsePrometheus(await server.metrics.render());
    expect(sampleValue(samples, 'tasks_total', { status: 'completed', tenant: 'alpha' })).toBe(3);
    expect(sampleValue(samples, 'tasks_total', { status: 'completed', tenant: 'beta' })).toBe(1);
    expect(sampleValue(samples, 'tasks_total', { status: 'interrupted', tenant: 'beta' })).toBe(2);
    expect(sampleValue(samples, 'tokens_used_total', { type: 'input', tenant: 'alpha' })).toBeGreaterThan(0);
  });

  it('refuses missing, wrong and wrong-length keys with 401', async () => {
    for (const headers of [
      {},
      { 'x-api-key': 'nope' },
      { 'x-api-key': ALPHA_KEY.slice(0, -1) },
      { 'x-api-key': ALPHA_KEY + 'x' },
      { authorization: 'Bearer x' },
    ]) {
      const { status, body } = await request(server.baseUrl, 'GET', '/api/v1/tasks', undefined, headers as Record<string, string>);
      expect(status).toBe(401);
      expect(body).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks', undefined, { authorization: `Bearer ${BETA_KEY}` })).status).toBe(200);
  });
});
