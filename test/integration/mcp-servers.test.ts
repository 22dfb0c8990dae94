/**
 * MCP servers per task, through the real server, the real CLI in its sandbox and the scripted
 * model: real MCP servers built with @modelcontextprotocol/sdk over streamable HTTP and SSE (on
 * this host, reached through the egress proxy's MCP relay) and over stdio (bundled into the
 * workspace, run by the CLI inside the sandbox as the tenant). A header value the relay adds must
 * reach the MCP server and nothing else: not the events, the logs, the task record or the sandbox.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { bundleStdioServer } from '../support/mcp/bundle-stdio-server.js';
import { startTestMcpHttpServer, type TestMcpHttpServer } from '../support/mcp/test-mcp-server.js';

/** The header value the relay adds: searched for everywhere it must not be. */
const TOKEN = 'mcp-token-4f1c9a7e2b';
/** A pattern that matches TOKEN but not itself, so a search's own command line is no false hit. */
const TOKEN_PATTERN = 'mcp-token-4f1c9a7e2[b]';

type Event = { type: string; data: Record<string, unknown> };

describe('MCP servers per task', () => {
  let model: ScriptedModel;
  let mcp: TestMcpHttpServer;
  let server: TestServer;
  let bundle: string;
  let n = 0;

  beforeAll(async () => {
    model = await startScriptedModel();
    mcp = await startTestMcpHttpServer();
    bundle = await bundleStdioServer();
    // The bundle's directory, as an operator would expose a directory of MCP servers to every sandbox.
    server = await startTestServer(
      { WARM_POOL_SIZE: '1', AGENT_READONLY_PATHS: path.dirname(bundle), SECRETS_KEY: 'mcp-test-secrets-key-0123456789abcdef' },
      model,
    );
    const stored = await request(server.baseUrl, 'POST', '/api/v1/secrets', { name: 'docs-token', value: TOKEN });
    expect(stored.status).toBe(201);
  });

  afterAll(async () => {
    await server?.close();
    await mcp?.close();
    await model?.close();
  });

  /** `session`: the session to use, created by the first task that names it. */
  const sessions = new Set<string>();
  async function run(prompt: string, options: Record<string, unknown>, session?: string): Promise<{ task: Record<string, unknown>; events: Event[] }> {
    const taskId = `mcp-${++n}`;
    const body = {
      task_id: taskId,
      prompt,
      workspace: 'mcp',
      options,
      ...(session ? { session: { session_id: session, reuse_existing: sessions.has(session) } } : {}),
    };
    if (session) sessions.add(session);
    const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', body);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const task = await waitForStatus(server.baseUrl, taskId, ['completed', 'failed', 'interrupted', 'timed_out'], 90_000);
    const events = (await request(server.baseUrl, 'GET', `/api/v1/tasks/${taskId}/events?format=json&limit=500`)).body.events as Event[];
    return { task, events };
  }

  const callTool = (tool: string, input: unknown = {}) => `[[script:call-tool]] [[tool:${tool}]] [[input:${JSON.stringify(input)}]]`;
  /** The docs server, its token a tenant secret and one literal header beside it. */
  const docs = (type: 'http' | 'sse') => ({
    docs: { type, url: type === 'http' ? mcp.url : mcp.sseUrl, headers: { 'X-Api-Token': { secret: 'docs-token' }, 'X-Team': 'alpha' } },
  });

  it('calls a streamable-HTTP server tool through the relay, which adds the header; the call streams like any tool', async () => {
    const { task, events } = await run(callTool('mcp__docs__echo', { text: 'hello mcp' }), { mcp_servers: docs('http') }, 'mcp-session');
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    expect(task.result).toContain('echo: hello mcp');
    const use = events.find((e) => e.type === 'tool_use');
    expect(use?.data).toMatchObject({ name: 'mcp__docs__echo', input: { text: 'hello mcp' } });
    expect(events.find((e) => e.type === 'tool_result')?.data).toMatchObject({ content: expect.stringContaining('echo: hello mcp'), is_error: false });
    const calls = mcp.requests.filter((r) => r.path === '/mcp');
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call.headers).toMatchObject({ 'x-api-token': TOKEN, 'x-team': 'alpha' });
    // The task shows the servers as submitted.
    expect((task.options as Record<string, unknown>).mcp_servers).toEqual(docs('http'));
  });

  it('keeps the header value out of the sandbox: not in any process environment or command line, HOME or /tmp', async () => {
    // The same session and servers: the process whose configuration is searched is the one that used them.
    const search = `grep -rl -e '${TOKEN_PATTERN}' /proc/[0-9]*/environ /proc/[0-9]*/cmdline "$HOME" /tmp 2>/dev/null; echo searched`;
    const { task } = await run(`[[script:bash]][[cmd:${search}]]`, { mcp_servers: docs('http') }, 'mcp-session');
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    expect(task.result).toContain('searched');
    expect(String(task.result)).not.toMatch(/\/proc\/|\/tmp\/|\.claude/);
    expect(String(task.result)).not.toContain(TOKEN);
  });

  it("adds its servers' host:port to the task's allowlist, without their headers; nothing else is reachable", async () => {
    const port = new URL(mcp.url).port;
    const probe = [
      `curl -s -o /dev/null -w 'unknown=%{http_code} ' http://s7.mcp.ccs.invalid/mcp`,
      `curl -s -o /dev/null -w 'direct=%{http_code} ' --noproxy '*' http://127.0.0.1:${port}/mcp`,
      `curl -s -o /dev/null -w 'proxied=%{http_code} ' --noproxy '' http://127.0.0.1:${port}/plain`,
      `curl -s -o /dev/null -w 'other=%{http_code}' --noproxy '' http://127.0.0.1:${server.baseUrl.split(':').at(-1)}/health`,
    ].join('; ');
    const before = mcp.requests.length;
    const { task, events } = await run(`[[script:bash]][[cmd:${probe}]]`, { mcp_servers: docs('http') });
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    // The relay serves a process only its own servers.
    expect(task.result).toContain('unknown=404');
    // Straight out of the sandbox's network namespace: nothing listens there.
    expect(task.result).toContain('direct=000');
    // Through the egress proxy the server's own host:port is allowed for this task, but the agent's
    // request carries no configured header: only the relay adds those.
    expect(task.result).toContain('proxied=404');
    const plain = mcp.requests.slice(before).find((r) => r.path === '/plain');
    expect(plain?.headers['x-api-token']).toBeUndefined();
    // Any other port of the same host is not.
    expect(task.result).toContain('other=403');
    expect(events.some((e) => e.type === 'network_blocked' && e.data.reason === 'not_allowed')).toBe(true);
  });

  it('calls an SSE server tool through the relay', async () => {
    const { task } = await run(callTool('mcp__docs__echo', { text: 'over sse' }), { mcp_servers: docs('sse') });
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    expect(task.result).toContain('echo: over sse');
    expect(mcp.requests.filter((r) => r.path === '/sse' || r.path === '/messages').every((r) => r.headers['x-api-token'] === TOKEN)).toBe(true);
  });

  it('prewarms a spare with the servers tasks keep asking for, and its tools work from there', async () => {
    const sse = docs('sse');
    // The task before asked for these servers: the pool starts a spare with them.
    await waitFor(async () => server.agents.stats().spare > 0 && server.agents.stats().busy === 0);
    const before = server.agents.stats().starts.spare ?? 0;
    const { task } = await run(callTool('mcp__docs__echo', { text: 'from a spare' }), { mcp_servers: sse });
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    expect(task.result).toContain('echo: from a spare');
    expect(server.agents.stats().starts.spare).toBe(before + 1);
  });

  it('runs a stdio server inside the sandbox as the tenant, from a file uploaded to the workspace', async () => {
    const uploaded = await fetch(`${server.baseUrl}/api/v1/sessions/mcp-session/files?path=tools/mcp-stdio.mjs`, { method: 'PUT', body: readFileSync(bundle) });
    expect(uploaded.status).toBe(201);
    const workspace = String((await request(server.baseUrl, 'GET', '/api/v1/sessions/mcp-session')).body.workspace);
    const stdio = { local: { type: 'stdio', command: 'node', args: [path.join(workspace, 'tools/mcp-stdio.mjs')], env: { MCP_GREETING: 'hi' } } };
    const { task, events } = await run(callTool('mcp__local__whoami'), { mcp_servers: stdio, allowed_tools: ['Read', 'mcp__local'] }, 'mcp-session');
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    const seen = JSON.parse(/\{.*\}/s.exec(String(events.find((e) => e.type === 'tool_result')?.data.content))![0]) as { uid: number; env: string[] };
    if (server.isolation !== 'none' && process.getuid?.() === 0) expect(seen.uid).not.toBe(0);
    expect(seen.env).toContain('MCP_GREETING');
    // The server's own environment is not the agent's: no model key, no proxy credential.
    expect(seen.env).not.toContain('CLAUDE_API_KEY');
  });

  it('runs a stdio server from an AGENT_READONLY_PATHS directory, which the agent cannot write', async () => {
    const stdio = { tools: { command: 'node', args: [bundle] } };
    const { task } = await run(callTool('mcp__tools__echo', { text: 'read-only' }), { mcp_servers: stdio }, 'readonly-session');
    expect(task.result).toContain('echo: read-only');
    const write = `touch ${path.dirname(bundle)}/planted 2>/dev/null; echo rc=$?`;
    const { task: attempt } = await run(`[[script:bash]][[cmd:${write}]]`, { mcp_servers: stdio }, 'readonly-session');
    expect(attempt.result).toMatch(/rc=[1-9]/);
  });

  it("refuses an MCP tool a task's allowed_tools does not name", async () => {
    const { task, events } = await run(callTool('mcp__docs__echo', { text: 'x' }), { mcp_servers: docs('http'), allowed_tools: ['Read'] });
    expect(task.status).toBe('completed');
    expect(events.find((e) => e.type === 'tool_result')?.data).toMatchObject({
      is_error: true,
      content: expect.stringContaining("not in this task's allowed_tools"),
    });
  });

  it('leaves the header value out of every event, log line and task record', async () => {
    const everything = JSON.stringify([server.logs, (await request(server.baseUrl, 'GET', '/api/v1/tasks?limit=100')).body]);
    expect(everything).toContain('mcp__docs__echo');
    const events = await Promise.all(
      Array.from({ length: n }, (_, i) => request(server.baseUrl, 'GET', `/api/v1/tasks/mcp-${i + 1}/events?format=json&limit=500`)),
    );
    expect(JSON.stringify(events.map((e) => e.body))).not.toContain(TOKEN);
    expect(JSON.stringify(server.logs)).not.toContain(TOKEN);
  });

  it('refuses bad server definitions with 400 and a code', async () => {
    const submit = (mcp_servers: unknown) => request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'x', options: { mcp_servers } });
    const cases: [unknown, string][] = [
      [{ 'bad name': { type: 'http', url: mcp.url } }, 'VALIDATION_ERROR'],
      [{ a__b: { type: 'http', url: mcp.url } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'http', url: 'ftp://example.com/' } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'http', url: 'http://user:pw@example.com/' } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'websocket', url: mcp.url } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'http', url: mcp.url, headers: { Host: 'evil' } } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'http', url: mcp.url, headers: { 'X-A': 'a\r\nInjected: 1' } } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'stdio', command: 'node', env: { TOKEN: { secret: 'gh' } } } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'stdio' } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'http', url: mcp.url, extra: 1 } }, 'VALIDATION_ERROR'],
      [{ x: { type: 'http', url: 'http://no-such-host.invalid/mcp' } }, 'MCP_SERVER_REFUSED'],
      [{ x: { type: 'http', url: mcp.url, headers: { Authorization: { secret: 'github' } } } }, 'SECRET_REFERENCE_INVALID'],
      [{ x: { type: 'http', url: mcp.url, headers: { Authorization: { secret: 'not a name' } } } }, 'VALIDATION_ERROR'],
    ];
    for (const [servers, code] of cases) {
      const answer = await submit(servers);
      expect({ servers, status: answer.status, code: (answer.body.error as { code: string } | undefined)?.code }).toEqual({ servers, status: 400, code });
    }
  });
});

describe('MCP servers with API_KEYS_FILE', () => {
  const KEY = 'acme-mcp-key-0123456789';
  let model: ScriptedModel;
  let mcp: TestMcpHttpServer;
  let server: TestServer;
  const headers = { 'x-api-key': KEY };

  beforeAll(async () => {
    model = await startScriptedModel();
    mcp = await startTestMcpHttpServer();
    const dir = mkdtempSync(path.join(tmpdir(), 'ccs-mcp-keys-'));
    const keysFile = path.join(dir, 'keys.json');
    const docs = { type: 'http', url: mcp.url, headers: { 'X-Api-Token': 'operator-token' } };
    writeFileSync(keysFile, JSON.stringify({ tenants: [{ id: 'acme', key_sha256: [createHash('sha256').update(KEY).digest('hex')], mcp_servers: { docs } }] }));
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keysFile }, model);
  });

  afterAll(async () => {
    await server?.close();
    await mcp?.close();
    await model?.close();
  });

  it("gives every task of the tenant its keys-file servers, reached at the operator's loopback address", async () => {
    const prompt = `[[script:call-tool]] [[tool:mcp__docs__echo]] [[input:{"text":"from the tenant default"}]]`;
    const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'default-servers', prompt }, headers);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    const task = await waitForStatus(server.baseUrl, 'default-servers', ['completed', 'failed'], 90_000, headers);
    expect(task.result).toContain('echo: from the tenant default');
    expect(mcp.requests.some((r) => r.headers['x-api-token'] === 'operator-token')).toBe(true);
    // Not the task's own option: the task record shows what the client sent.
    expect((task.options as Record<string, unknown>).mcp_servers).toBeNull();
  });

  it('refuses a header naming a secret when the server keeps none (no SECRETS_KEY)', async () => {
    const options = { mcp_servers: { docs: { type: 'http', url: mcp.url, headers: { Authorization: { secret: 'docs-token' } } } } };
    const answer = await request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'x', options }, headers);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'SECRET_REFERENCE_INVALID', details: { secrets: ['docs-token'] } });
    expect(JSON.stringify(answer.body)).toContain('SECRETS_KEY');
  });

  it("refuses a tenant's own loopback server: with API_KEYS_FILE, MCP_ALLOW_PRIVATE defaults to false", async () => {
    const options = { mcp_servers: { mine: { type: 'http', url: mcp.url } } };
    const answer = await request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'x', options }, headers);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'MCP_SERVER_REFUSED', details: { server: 'mine' } });
    expect(JSON.stringify(answer.body)).toContain('MCP_ALLOW_PRIVATE');
  });
});
