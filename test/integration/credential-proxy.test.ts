import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event-types.js';
import { collectEvents, request } from '../helpers/client.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const REAL_KEY = 'test-key-0123456789';

/** A main-loop request the scripted model answers from its script (it has tools and a prompt). */
function modelRequestBody(prompt: string, stream = false): string {
  return JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 64,
    stream,
    tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: {} } }],
    messages: [{ role: 'user', content: prompt }],
  });
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('credential proxy (real CLI, scripted model)', () => {
  let server: TestServer;
  /** Every token the agent processes presented to the proxy, with the task it served then. */
  const presented: { token: string; taskId: string | null }[] = [];

  beforeAll(async () => {
    server = await startTestServer({ CLAUDE_API_KEY: REAL_KEY, WARM_POOL_SIZE: '1' });
    // Observe (not replace) the broker: which tokens the real CLI sends.
    const broker = server.modelProxy.credentials;
    const taskFor = broker.taskFor.bind(broker);
    broker.taskFor = (token) => {
      const taskId = taskFor(token);
      if (token !== undefined) presented.push({ token, taskId });
      return taskId;
    };
  });
  afterAll(async () => server?.close());

  async function runTask(taskId: string, prompt: string): Promise<{ events: TaskEvent[]; task: Record<string, unknown> }> {
    expect((await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: taskId, prompt })).status).toBe(201);
    const { events } = await collectEvents(`${server.wsBase}/ws/tasks/${taskId}`);
    const { body: task } = await request(server.baseUrl, 'GET', `/api/v1/tasks/${taskId}`);
    return { events, task };
  }

  function proxyFetch(pathname: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${server.modelProxy.url}${pathname}`, init);
  }

  it('the agent calls the model through the proxy with a token; the model receives the real key', async () => {
    const { task, events } = await runTask('env-dump', '[[script:bash]] [[cmd:env; echo ---; cat /proc/self/environ | tr "\\0" "\\n"]]');
    expect(task.status).toBe('completed');
    const output = JSON.stringify(events.filter((e) => e.type === 'tool_result'));
    // The agent's world: the proxy (its process's own socket in a sandbox, else its URL), no key of any kind.
    expect(output).toContain(server.isolation === 'none' ? `ANTHROPIC_BASE_URL=${server.modelProxy.url}` : 'ANTHROPIC_UNIX_SOCKET=/run/agent-net/model.sock');
    expect(output).not.toContain(REAL_KEY);
    expect(output).not.toMatch(/ANTHROPIC_API_KEY|CLAUDE_API_KEY|ccs-proxy-/);
    // The model's world: every call carried the real key, put in by the proxy.
    expect(server.model.requests.length).toBeGreaterThan(0);
    expect(server.model.requests.every((r) => r.headers.apiKey === REAL_KEY)).toBe(true);
    // The CLI presented a per-process token, valid for this task while it ran.
    const used = presented.filter((p) => p.taskId === 'env-dump');
    expect(used.length).toBeGreaterThan(0);
    expect(used.every((p) => p.token.startsWith('ccs-proxy-') && p.token !== REAL_KEY)).toBe(true);
    // Nothing the CLI calls (at start-up, in a spare, during the task) was refused by the proxy.
    const samples = parsePrometheus(await (await fetch(server.metricsUrl)).text());
    expect(sampleValue(samples, 'model_requests_total', { status: '401' }) ?? 0).toBe(0);
    expect(sampleValue(samples, 'model_requests_total', { status: '404' }) ?? 0).toBe(0);
    expect(sampleValue(samples, 'model_requests_total', { status: '200' })).toBeGreaterThan(0);
  });

  it('the real key is in no file the agent can read (its config dir and home), nor in the transcripts kept for it', async () => {
    // Each live agent process (a spare at least) has a private home holding its CLAUDE_CONFIG_DIR.
    const homes = await filesUnder(path.join(server.dir, 'data', 'instances', '0', 'agent-homes'));
    expect(homes.length).toBeGreaterThan(0);
    const files = [...homes, path.join(server.dir, 'data', 'transcripts.db')];
    for (const file of files) {
      if ((await stat(file)).size > 10_000_000) continue;
      expect(await readFile(file, 'utf8'), file).not.toContain(REAL_KEY);
    }
  });

  it('a token that served a finished task gets 401, and the model never sees the request', async () => {
    const { task } = await runTask('short', '[[script:write-file]]');
    expect(task.status).toBe('completed');
    const token = presented.find((p) => p.taskId === 'short')?.token;
    expect(token).toBeDefined();
    const before = server.model.httpLog.length;
    const response = await proxyFetch('/v1/messages', {
      method: 'POST',
      headers: { 'x-api-key': token!, 'content-type': 'application/json' },
      body: modelRequestBody('hi'),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('authentication_error');
    expect(response.headers.get('x-should-retry')).toBe('false');
    expect(server.model.httpLog.length).toBe(before);
  });

  it('a token works only while its process runs a task, and never after revocation', async () => {
    const broker = server.modelProxy.credentials;
    const credential = broker.mint();
    const call = (): Promise<Response> =>
      proxyFetch('/v1/messages?beta=true', {
        method: 'POST',
        headers: { 'x-api-key': credential.token, 'content-type': 'application/json' },
        body: modelRequestBody('[[script:remember]] remember the proxy'),
      });
    expect((await call()).status).toBe(401);
    credential.activate('direct-task');
    const ok = await call();
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).toContain('remember the proxy');
    credential.deactivate();
    expect((await call()).status).toBe(401);
    credential.activate('direct-task');
    credential.revoke();
    expect((await call()).status).toBe(401);
    // Unknown, empty and Bearer-less garbage tokens are refused the same way.
    const refused: Record<string, string>[] = [{}, { 'x-api-key': 'nope' }, { authorization: `Bearer ${credential.token}x` }];
    for (const headers of refused) {
      const response = await proxyFetch('/v1/messages', { method: 'POST', headers, body: modelRequestBody('hi') });
      expect(response.status).toBe(401);
    }
  });

  it('relays only the model API paths', async () => {
    const credential = server.modelProxy.credentials.mint();
    credential.activate('paths-task');
    const before = server.model.httpLog.length;
    const headers = { 'x-api-key': credential.token };
    for (const [method, pathname] of [
      ['GET', '/v1/models'],
      ['POST', '/v1/complete'],
      ['GET', '/v1/messages'],
      ['POST', '/v1/files'],
      ['GET', '/'],
    ]) {
      const response = await proxyFetch(pathname!, { method, headers, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(response.status, `${method} ${pathname}`).toBe(404);
    }
    expect(server.model.httpLog.length).toBe(before);
    // The CLI's start-up probe is answered by the proxy itself.
    expect((await proxyFetch('/api/hello', { method: 'HEAD' })).status).toBe(200);
    const counted = await proxyFetch('/v1/messages/count_tokens', { method: 'POST', headers, body: modelRequestBody('count me') });
    expect(counted.status).toBe(200);
    credential.revoke();
  });

  it('streams the response through as it comes, without waiting for its end', async () => {
    const credential = server.modelProxy.credentials.mint();
    credential.activate('stream-task');
    const controller = new AbortController();
    const closedBefore = server.model.httpLog.length;
    // The slow script opens the stream, sends message_start and pings, and answers after 30 s.
    const response = await proxyFetch('/v1/messages', {
      method: 'POST',
      headers: { 'x-api-key': credential.token, 'content-type': 'application/json' },
      body: modelRequestBody('[[script:slow]]', true),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('message_start');
    // The model's response is still open (the log gets an entry when it closes): nothing waited for its end.
    expect(server.model.httpLog.length).toBe(closedBefore);
    controller.abort();
    credential.revoke();
  });

  it('never writes a token or the real key to the logs or metrics', async () => {
    const text = JSON.stringify(server.logs) + (await (await fetch(server.metricsUrl)).text());
    expect(presented.length).toBeGreaterThan(0);
    for (const { token } of presented) expect(text).not.toContain(token);
    expect(text).not.toContain(REAL_KEY);
    expect(text).not.toContain('ccs-proxy-');
  });
});
