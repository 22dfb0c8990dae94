import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as acp from '@agentclientprotocol/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CcsClient } from '../../packages/client/src/index.js';
import { inlineScript } from '../client/helpers.js';
import { waitFor } from '../helpers/client.js';
import { scrape, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { deny, initialize, launchAcpEditor, origin, type AcpEditor, type PermissionAnswer } from './acp-editor.js';

const ALPHA_KEY = 'acp-alpha-key-8d1f0b3c';
const BETA_KEY = 'acp-beta-key-27c9e4a1';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

const text = (n: acp.SessionNotification) =>
  n.update.sessionUpdate === 'agent_message_chunk' && n.update.content.type === 'text' ? n.update.content.text : '';
const ofKind = <K extends acp.SessionUpdate['sessionUpdate']>(updates: acp.SessionNotification[], kind: K) =>
  updates.map((n) => n.update).filter((u): u is Extract<acp.SessionUpdate, { sessionUpdate: K }> => u.sessionUpdate === kind);

/** `ccs acp` as an editor runs it, against a server with two tenants, through ACP's own SDK. */
describe('ccs acp', () => {
  let server: TestServer;
  const editors: AcpEditor[] = [];
  const launch = async (key: string, answer?: PermissionAnswer, extra: Record<string, string> = {}) => {
    const editor = await launchAcpEditor({ CCS_URL: server.baseUrl, CCS_API_KEY: key, ...extra }, answer);
    editors.push(editor);
    await initialize(editor);
    return editor;
  };
  const alphaRest = () => new CcsClient({ baseUrl: server.baseUrl, apiKey: ALPHA_KEY });
  const newSession = (editor: AcpEditor, cwd: string, meta?: Record<string, unknown>) =>
    editor.agent.request(acp.methods.agent.session.new, { cwd, mcpServers: [], ...(meta ? { _meta: meta } : {}) });
  const prompt = (editor: AcpEditor, sessionId: string, content: string) =>
    editor.agent.request(acp.methods.agent.session.prompt, { sessionId, prompt: [{ type: 'text', text: content }] });

  beforeAll(async () => {
    const keys = path.join(process.env.TMPDIR ?? '/tmp', `ccs-acp-keys-${process.pid}.yaml`);
    writeFileSync(keys, ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'));
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keys, SESSION_MAX_CONCURRENT: '4', WARM_POOL_SIZE: '0' });
  });
  afterEach(async () => {
    await Promise.all(editors.splice(0).map((e) => e.close()));
  });
  afterAll(async () => {
    await server?.close();
  });

  it('initialize says what it supports: session/load, text prompts', async () => {
    const editor = await launchAcpEditor({ CCS_URL: server.baseUrl, CCS_API_KEY: ALPHA_KEY });
    editors.push(editor);
    const answer = await initialize(editor);
    expect(answer).toMatchObject({
      protocolVersion: acp.PROTOCOL_VERSION,
      agentCapabilities: { loadSession: true, promptCapabilities: { image: false, audio: false, embeddedContext: false } },
    });
  });

  it('a prompt that writes a file: the tool call streams, the file is in the workspace named after the cwd', async () => {
    const editor = await launch(ALPHA_KEY);
    const { sessionId } = await newSession(editor, '/home/someone/src/acp-write');
    const answer = await prompt(editor, sessionId, '[[script:write-file]]');
    expect(answer.stopReason).toBe('end_turn');
    const taskId = (answer._meta as { ccs: { task_id: string } }).ccs.task_id;
    const task = await alphaRest().tasks.get(taskId);
    expect(task).toMatchObject({ session_id: sessionId, status: 'completed', workspace: expect.stringMatching(/\/acp-write$/) });
    expect(readFileSync(path.join(task.workspace, 'hello.txt'), 'utf8')).toBe('hello from the scripted model');
    const [call] = ofKind(editor.updates, 'tool_call');
    expect(call).toMatchObject({ kind: 'edit', status: 'in_progress', title: expect.stringContaining('Write') });
    expect(ofKind(editor.updates, 'tool_call_update')).toEqual([expect.objectContaining({ toolCallId: call!.toolCallId, status: 'completed' })]);
    expect(editor.updates.map(text).join('')).toContain('I wrote hello.txt.');
    // Same session on the server: a second prompt continues it.
    expect((await prompt(editor, sessionId, 'plain echo')).stopReason).toBe('end_turn');
    expect((await alphaRest().sessions.get(sessionId)).task_count).toBe(2);
  });

  it('a streamed run with several tool calls: each call, then its result, in order', async () => {
    const editor = await launch(ALPHA_KEY);
    const { sessionId } = await newSession(editor, '/work/acp-multi', { requireApproval: [] });
    const answer = await prompt(editor, sessionId, '[[script:multi-tool]]');
    expect(answer.stopReason).toBe('end_turn');
    const tools = editor.updates.map((n) => n.update).filter((u) => u.sessionUpdate === 'tool_call' || u.sessionUpdate === 'tool_call_update');
    expect(tools.map((u) => [u.sessionUpdate, u.kind ?? null, u.status])).toEqual([
      ['tool_call', 'edit', 'in_progress'],
      ['tool_call_update', null, 'completed'],
      ['tool_call', 'execute', 'in_progress'],
      ['tool_call_update', null, 'completed'],
    ]);
    const seqs = editor.updates.map((n) => origin(n).seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(editor.updates.map(text).join('')).toContain('written by multi-tool');
  });

  it('session/cancel interrupts the running task; the prompt ends cancelled', async () => {
    const editor = await launch(ALPHA_KEY);
    const { sessionId } = await newSession(editor, '/work/acp-cancel');
    const slow = inlineScript([{ tool: { name: 'Write', input: { file_path: 'started.txt', content: 'x' } } }, { text: 'too late', delay_ms: 60_000 }]);
    const running = prompt(editor, sessionId, slow);
    await editor.waitForUpdate((n) => n.update.sessionUpdate === 'tool_call_update');
    await editor.agent.notify(acp.methods.agent.session.cancel, { sessionId });
    const answer = await running;
    expect(answer.stopReason).toBe('cancelled');
    const taskId = (answer._meta as { ccs: { task_id: string } }).ccs.task_id;
    expect((await alphaRest().tasks.get(taskId)).status).toBe('interrupted');
  });

  it.each([
    ['allow', undefined, 'completed', true],
    ['deny', deny, 'failed', false],
  ] as const)('an approval round trip answered %s', async (_name, answer, toolStatus, ran) => {
    const editor = await launch(ALPHA_KEY, answer);
    const { sessionId } = await newSession(editor, `/work/acp-approve-${_name}`);
    const marker = `approval-${_name}-ran`;
    const result = await prompt(editor, sessionId, `[[script:bash]] [[cmd:echo ${marker} > ${marker}.txt; echo ${marker}]]`);
    expect(result.stopReason).toBe('end_turn');
    expect(editor.permissionRequests).toEqual([
      expect.objectContaining({
        sessionId,
        toolCall: expect.objectContaining({ kind: 'execute', status: 'pending', title: expect.stringContaining(marker) }),
        options: [expect.objectContaining({ kind: 'allow_once' }), expect.objectContaining({ kind: 'reject_once' })],
      }),
    ]);
    expect(ofKind(editor.updates, 'tool_call_update')).toEqual([expect.objectContaining({ status: toolStatus })]);
    const taskId = (result._meta as { ccs: { task_id: string } }).ccs.task_id;
    expect(existsSync(path.join((await alphaRest().tasks.get(taskId)).workspace, `${marker}.txt`))).toBe(ran);
    const events = (await alphaRest().tasks.events(taskId)).events;
    expect(events.find((e) => e.type === 'permission_decision')?.data).toMatchObject({ decision: _name, decided_by: 'client' });
  });

  it('session/load after ccs acp was killed mid-task replays the session, asks the open approval again, follows the task to its end, without a gap', async () => {
    const neverAnswered: PermissionAnswer = () => new Promise(() => undefined);
    const first = await launch(ALPHA_KEY, neverAnswered);
    const cwd = '/work/acp-reload';
    const { sessionId } = await newSession(first, cwd);
    expect((await prompt(first, sessionId, '[[script:remember]] remember mango')).stopReason).toBe('end_turn');
    const script = inlineScript([
      { tool: { name: 'Write', input: { file_path: 'one.txt', content: 'one' } } },
      { tool: { name: 'Bash', input: { command: 'echo two' } } },
      { text: 'reload done' },
    ]);
    void prompt(first, sessionId, script).catch(() => undefined);
    // The task now waits on the approval this editor never answers: kill the bridge there.
    await waitFor(async () => first.permissionRequests.length === 1);
    first.child.kill('SIGKILL');

    const second = await launch(ALPHA_KEY);
    await second.agent.request(acp.methods.agent.session.load, { sessionId, cwd, mcpServers: [] });
    await second.waitForUpdate((n) => text(n) === 'reload done');
    expect(second.permissionRequests).toEqual([expect.objectContaining({ toolCall: expect.objectContaining({ title: 'Bash: echo two' }) })]);

    const rest = alphaRest();
    const sessionTasks = async () => (await rest.tasks.list()).tasks.filter((t) => t.session_id === sessionId).reverse();
    const tasks = await waitFor(async () => {
      const found = await sessionTasks();
      return found.every((t) => t.status === 'completed') && found;
    });
    expect(tasks).toHaveLength(2);
    // Every event with an ACP counterpart, once, in order, each task after its prompt.
    const expected: [string, number][] = [];
    for (const task of tasks) {
      expected.push([task.task_id, 0]);
      for (const event of (await rest.tasks.events(task.task_id)).events) {
        if (event.type === 'message' || event.type === 'tool_use' || event.type === 'tool_result') expected.push([task.task_id, event.seq]);
      }
    }
    expect(second.updates.map((n) => [origin(n).task_id, origin(n).seq])).toEqual(expected);
    expect(ofKind(second.updates, 'user_message_chunk').map((u) => (u.content.type === 'text' ? u.content.text : ''))).toEqual([
      '[[script:remember]] remember mango',
      script,
    ]);
    // The reloaded session goes on: the conversation is the server's.
    const recall = await prompt(second, sessionId, '[[script:recall]]');
    expect(recall.stopReason).toBe('end_turn');
    expect(second.updates.map(text).join('')).toContain('mango');
  });

  it("a second tenant's key cannot load or prompt the first tenant's session", async () => {
    const alpha = await launch(ALPHA_KEY);
    const { sessionId } = await newSession(alpha, '/work/acp-private');
    expect((await prompt(alpha, sessionId, 'plain echo')).stopReason).toBe('end_turn');

    const beta = await launch(BETA_KEY);
    const load = beta.agent.request(acp.methods.agent.session.load, { sessionId, cwd: '/work/acp-private', mcpServers: [] });
    await expect(load).rejects.toMatchObject({ code: -32002, data: expect.objectContaining({ code: 'SESSION_NOT_FOUND' }) });
    await expect(prompt(beta, sessionId, 'plain echo')).rejects.toMatchObject({ data: { code: 'SESSION_NOT_FOUND' } });
    expect(beta.updates).toEqual([]);

    const samples = await scrape(server.metricsUrl);
    const acpCount = (operation: string, outcome: string) => sampleValue(samples, 'protocol_requests_total', { protocol: 'acp', operation, outcome }) ?? 0;
    expect(acpCount('GET /api/v1/sessions/:session_id', 'SESSION_NOT_FOUND')).toBeGreaterThanOrEqual(1);
    expect(acpCount('POST /api/v1/tasks', 'ok')).toBeGreaterThanOrEqual(1);
  });

  it('errors reach the editor with our code: a bad key, a server that is down, a workspace outside WORKSPACE_ROOT', async () => {
    const badKey = await launch('not-a-key');
    await expect(newSession(badKey, '/work/x')).rejects.toMatchObject({ code: -32000, data: expect.objectContaining({ code: 'UNAUTHORIZED' }) });

    const down = await launch(ALPHA_KEY, undefined, { CCS_URL: 'http://127.0.0.1:9' });
    await expect(newSession(down, '/work/x')).rejects.toMatchObject({
      message: expect.stringContaining('unreachable'),
      data: expect.objectContaining({ code: 'SERVER_UNREACHABLE' }),
    });
    expect(down.stderr()).not.toContain('{"jsonrpc"');

    const alpha = await launch(ALPHA_KEY);
    const { sessionId } = await newSession(alpha, '/work/x', { workspace: '../../etc' });
    await expect(prompt(alpha, sessionId, 'plain echo')).rejects.toMatchObject({
      code: -32602,
      data: expect.objectContaining({ code: 'WORKSPACE_OUTSIDE_ROOT' }),
    });

    // A task that fails answers its prompt with the task's error, not a stop reason.
    const { sessionId: failing } = await newSession(alpha, '/work/acp-failing');
    await expect(prompt(alpha, failing, '[[script:api-error]]')).rejects.toMatchObject({
      data: expect.objectContaining({ code: 'AGENT_API_ERROR', status: 'failed', task_id: expect.any(String) }),
    });
  });
});
