import { createHash, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { HttpAgent, type BaseEvent, type Interrupt, type RunAgentParameters } from '@ag-ui/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const OWNER_KEY = 'agui-owner-key-5d1f0a3c';
const STRANGER_KEY = 'agui-stranger-key-9b27e4d1';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

const inlineScript = (steps: unknown[]) => `[[script:${JSON.stringify({ steps })}]]`;
const bashStep = (command: string) => ({ tool: { name: 'Bash', input: { command } } });

type Event = BaseEvent & Record<string, unknown>;

/**
 * AG-UI through its own client: every run here is HttpAgent.runAgent, as @ag-ui/client's README
 * shows it, against the real server, SDK and CLI with the scripted model.
 */
describe('AG-UI (POST /agui) through @ag-ui/client HttpAgent', () => {
  let server: TestServer;

  beforeAll(async () => {
    const keysFile = path.join(process.env.TMPDIR ?? '/tmp', `ccs-agui-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      keysFile,
      ['tenants:', '  - id: owner', `    key_sha256: [${sha(OWNER_KEY)}]`, '  - id: stranger', `    key_sha256: [${sha(STRANGER_KEY)}]`].join('\n'),
    );
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keysFile, SESSION_MAX_CONCURRENT: '4', WARM_POOL_SIZE: '0' });
  });
  afterAll(async () => server?.close());

  const agentFor = (key: string, threadId: string = randomUUID()) =>
    new HttpAgent({ url: `${server.baseUrl}/agui`, headers: { Authorization: `Bearer ${key}` }, threadId });

  /** Runs the agent and records every event its subscriber sees, in order. */
  async function run(agent: HttpAgent, prompt: string | null, params: RunAgentParameters = {}, onEvent?: (event: Event) => void) {
    if (prompt !== null) agent.addMessage({ id: randomUUID(), role: 'user', content: prompt });
    const events: Event[] = [];
    const result = await agent.runAgent(params, {
      onEvent: ({ event }) => {
        events.push(event as Event);
        onEvent?.(event as Event);
      },
    });
    return { events, result: result.result as Record<string, unknown> | undefined };
  }

  const types = (events: Event[]) => events.map((e) => e.type);
  const lastSnapshot = (events: Event[]) => events.filter((e) => e.type === 'STATE_SNAPSHOT').at(-1)?.snapshot as Record<string, unknown>;

  it('runs a task that writes a file: RUN_STARTED, STATE_SNAPSHOT listing the file, RUN_FINISHED with the result', async () => {
    const agent = agentFor(OWNER_KEY);
    const runId = `agui-write-${randomUUID()}`;
    const { events, result } = await run(agent, '[[script:write-file]]', { runId });

    expect(events[0]).toMatchObject({ type: 'RUN_STARTED', threadId: agent.threadId, runId });
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', runId, outcome: { type: 'success' } });
    const state = lastSnapshot(events);
    expect(state).toMatchObject({ task_id: runId, status: 'completed', files_changed: ['hello.txt'] });
    expect(state.changed_files).toEqual([expect.objectContaining({ path: 'hello.txt', change: 'created' })]);
    expect(result).toMatchObject({ task_id: runId, session_id: agent.threadId, status: 'completed' });
    expect(agent.state).toMatchObject({ status: 'completed' });
    // The client's own message list holds the Write call and its result.
    const call = agent.messages.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []) : [])).find((c) => c.function.name === 'Write');
    expect(JSON.parse(call!.function.arguments)).toMatchObject({ content: 'hello from the scripted model' });
    expect(agent.messages.some((m) => m.role === 'tool' && m.toolCallId === call!.id)).toBe(true);
  });

  it('streams a run with tool calls: each TOOL_CALL_START, ARGS, END, then its RESULT, in order, and the text', async () => {
    const agent = agentFor(OWNER_KEY);
    const { events } = await run(agent, '[[script:multi-tool]]');
    const calls = events.filter((e) => e.type === 'TOOL_CALL_START').map((e) => e.toolCallId as string);
    expect(events.filter((e) => e.type === 'TOOL_CALL_START').map((e) => e.toolCallName)).toEqual(['Write', 'Bash']);
    for (const id of calls) {
      const own = events.filter((e) => e.toolCallId === id).map((e) => e.type);
      expect(own).toEqual(['TOOL_CALL_START', 'TOOL_CALL_ARGS', 'TOOL_CALL_END', 'TOOL_CALL_RESULT']);
    }
    const text = events.filter((e) => e.type === 'TEXT_MESSAGE_CONTENT').map((e) => e.delta as string);
    expect(text.join('')).toContain('multi');
    expect(types(events).filter((t) => t.startsWith('TEXT_MESSAGE'))).toEqual(
      text.flatMap(() => ['TEXT_MESSAGE_START', 'TEXT_MESSAGE_CONTENT', 'TEXT_MESSAGE_END']),
    );
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', outcome: { type: 'success' } });
  });

  it('cancels the task on the server when the client aborts the run (abortRun)', async () => {
    const agent = agentFor(OWNER_KEY);
    const runId = `agui-cancel-${randomUUID()}`;
    const prompt = '[[script:slow]]';
    const first = await run(agent, prompt, { runId }, (event) => {
      if (event.type === 'RUN_STARTED') agent.abortRun();
    });
    expect(first.events.some((e) => e.type === 'RUN_FINISHED')).toBe(false);

    // The same run again replays it from the server's log: it ended cancelled, not completed.
    const again = agentFor(OWNER_KEY, agent.threadId);
    const { events } = await run(again, prompt, { runId });
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', runId, outcome: { type: 'cancelled' } });
    expect(lastSnapshot(events)).toMatchObject({ task_id: runId, status: 'interrupted' });
  });

  it('turns an approval into an interrupt outcome; a resume that allows runs the tool, one that cancels denies it', async () => {
    const agent = agentFor(OWNER_KEY);
    const forwardedProps = { options: { allowed_tools: ['Read', 'Bash'], require_approval: ['Bash'] } };
    const prompt = inlineScript([
      bashStep('echo approved > allowed.txt && echo wrote it'),
      bashStep('echo refused > denied.txt'),
      { text: 'finished after the Bash calls' },
    ]);
    const paused = await run(agent, prompt, { forwardedProps });

    const finished = paused.events.at(-1)!;
    expect(finished).toMatchObject({ type: 'RUN_FINISHED', outcome: { type: 'interrupt' } });
    const [interrupt] = (finished.outcome as { interrupts: Interrupt[] }).interrupts;
    const bashCall = paused.events.find((e) => e.type === 'TOOL_CALL_START' && e.toolCallName === 'Bash');
    expect(interrupt).toMatchObject({ reason: 'tool_approval', toolCallId: bashCall!.toolCallId, metadata: { tool_name: 'Bash' } });
    expect(agent.pendingInterrupts.map((i) => i.id)).toEqual([interrupt!.id]);
    // Held, not run: no result for the call yet.
    expect(paused.events.some((e) => e.type === 'TOOL_CALL_RESULT')).toBe(false);

    // Another tenant cannot answer it.
    const stranger = agentFor(STRANGER_KEY, agent.threadId);
    await expect(run(stranger, null, { resume: [{ interruptId: interrupt!.id, status: 'resolved', payload: { decision: 'allow' } }] })).rejects.toMatchObject({
      status: 404,
      payload: { error: { code: 'TASK_NOT_FOUND' } },
    });

    const allowed = await run(agent, null, { resume: [{ interruptId: interrupt!.id, status: 'resolved', payload: { decision: 'allow' } }] });
    const result = allowed.events.find((e) => e.type === 'TOOL_CALL_RESULT');
    expect(result).toMatchObject({ toolCallId: bashCall!.toolCallId, content: expect.stringContaining('wrote it') });
    expect(allowed.events.find((e) => e.type === 'CUSTOM')).toMatchObject({
      name: 'ccs.permission_decision',
      value: { decision: 'allow', decided_by: 'client' },
    });
    // The second Bash call waits in turn: the resumed run ends at its interrupt.
    const second = allowed.events.at(-1)!;
    expect(second).toMatchObject({ type: 'RUN_FINISHED', outcome: { type: 'interrupt' } });
    const [next] = (second.outcome as { interrupts: Interrupt[] }).interrupts;
    expect(next!.metadata).toMatchObject({ input: { command: 'echo refused > denied.txt' } });

    const denied = await run(agent, null, { resume: [{ interruptId: next!.id, status: 'cancelled' }] });
    expect(denied.events.find((e) => e.type === 'TOOL_CALL_RESULT')).toMatchObject({ toolCallId: next!.toolCallId });
    expect(denied.events.find((e) => e.type === 'CUSTOM')).toMatchObject({ value: { decision: 'deny', decided_by: 'client' } });
    expect(denied.events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', outcome: { type: 'success' } });
    expect(lastSnapshot(denied.events).files_changed).toEqual(['allowed.txt']);
    expect(agent.pendingInterrupts).toEqual([]);
  });

  it('a reconnect with the same runId replays the run from the log and follows it live, without gaps', async () => {
    const agent = agentFor(OWNER_KEY);
    const runId = `agui-reconnect-${randomUUID()}`;
    const prompt = inlineScript([bashStep('echo first'), bashStep('sleep 2 && echo second'), { text: 'both done' }]);
    const params = { runId, forwardedProps: { on_disconnect: 'continue' } };
    const first = await run(agent, prompt, params, (event) => {
      if (event.type === 'TOOL_CALL_RESULT') agent.abortRun();
    });
    const received = first.events.filter((e) => !(e.type === 'RUN_ERROR' && e.code === 'abort'));
    // Cut mid-run: the client had a tool result but not the end of the run.
    expect(received.some((e) => e.type === 'TOOL_CALL_RESULT')).toBe(true);
    expect(received.some((e) => e.type === 'RUN_FINISHED')).toBe(false);

    const again = agentFor(OWNER_KEY, agent.threadId);
    const { events } = await run(again, prompt, params);
    // Everything the first connection had comes again first, then the rest to the end.
    expect(events.slice(0, received.length)).toEqual(received);
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', runId, outcome: { type: 'success' } });
    const results = events.filter((e) => e.type === 'TOOL_CALL_RESULT').map((e) => (e.content as string).trim());
    expect(results).toEqual(['first', 'second']);
  });

  it("a second tenant sees nothing of the first's thread or run: the same ids are its own", async () => {
    const owner = agentFor(OWNER_KEY);
    const runId = `agui-tenant-${randomUUID()}`;
    await run(owner, '[[script:write-file]]', { runId });

    const stranger = agentFor(STRANGER_KEY, owner.threadId);
    const { events, result } = await run(stranger, '[[script:bash]][[cmd:ls -a]]', { runId });
    expect(result).toMatchObject({ task_id: runId, status: 'completed' });
    const listing = events.find((e) => e.type === 'TOOL_CALL_RESULT')!.content as string;
    expect(listing).not.toContain('hello.txt');
    expect(events.some((e) => e.type === 'TOOL_CALL_START' && e.toolCallName === 'Write')).toBe(false);

    // Idempotency is REST's: the owner's runId with another prompt is a conflict, not a second task.
    await expect(run(agentFor(OWNER_KEY, owner.threadId), '[[script:read-file]]', { runId })).rejects.toMatchObject({
      status: 409,
      payload: { error: { code: 'TASK_ID_CONFLICT' } },
    });
  });

  it("ends a run whose task fails with RUN_ERROR carrying the task's own stable error code", async () => {
    const agent = agentFor(OWNER_KEY);
    agent.addMessage({ id: randomUUID(), role: 'user', content: '[[script:api-error]]' });
    const events: Event[] = [];
    await agent.runAgent({}, { onEvent: ({ event }) => void events.push(event as Event) }).catch(() => undefined);
    expect(events[0]).toMatchObject({ type: 'RUN_STARTED' });
    expect(lastSnapshot(events)).toMatchObject({ status: 'failed' });
    const error = events.at(-1)!;
    expect(error).toMatchObject({ type: 'RUN_ERROR', code: expect.stringMatching(/^[A-Z][A-Z_]+$/), message: expect.any(String) });
    expect(error.code).not.toBe('INTERNAL_ERROR');
  });

  it('refuses a bad RunAgentInput with our error body before any stream, and counts protocol requests', async () => {
    const agent = agentFor(OWNER_KEY);
    await expect(run(agent, '[[script:write-file]]', { forwardedProps: { options: { permission_mode: 'sometimes' } } })).rejects.toMatchObject({
      status: 400,
      payload: { error: { code: 'VALIDATION_ERROR' } },
    });
    await expect(run(agentFor(OWNER_KEY), null)).rejects.toMatchObject({ status: 400, payload: { error: { code: 'VALIDATION_ERROR' } } });
    await expect(run(agentFor('not-a-key'), 'hello')).rejects.toMatchObject({ status: 401, payload: { error: { code: 'UNAUTHORIZED' } } });

    const metrics = await (await fetch(server.metricsUrl)).text();
    expect(metrics).toMatch(/protocol_requests_total\{[^}]*protocol="agui",operation="run",outcome="VALIDATION_ERROR"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/protocol_requests_total\{[^}]*protocol="agui",operation="resume",outcome="ok"[^}]*\} [1-9]/);
  });
});

describe('AG-UI on the built daemon (npm start), with the rate limit on', () => {
  const KEY = 'agui-daemon-key-0123456789';
  let model: ScriptedModel;
  let daemon: DaemonProcess;
  beforeAll(async () => {
    model = await startScriptedModel();
    daemon = await startDaemon({
      CLAUDE_API_KEY: 'test-key-0123456789',
      CLAUDE_BASE_URL: model.url,
      API_AUTH_ENABLED: 'true',
      API_API_KEY: KEY,
      API_RATE_LIMIT_ENABLED: 'true',
      API_RATE_LIMIT_PER_MINUTE: '3',
      WARM_POOL_SIZE: '0',
    });
  });
  afterAll(async () => {
    await daemon?.stop('SIGKILL');
    await model?.close();
  });

  it('runs a task end to end, and POST /agui is rate limited like any request: past the limit, 429', async () => {
    const agent = new HttpAgent({ url: `${daemon.baseUrl}/agui`, headers: { 'X-API-Key': KEY } });
    agent.addMessage({ id: randomUUID(), role: 'user', content: '[[script:write-file]]' });
    const { result } = await agent.runAgent();
    expect(result).toMatchObject({ status: 'completed' });
    // The limit is per caller: a wrong key is throttled per address, so guessing keys through /agui is limited too.
    const guesser = new HttpAgent({ url: `${daemon.baseUrl}/agui`, headers: { 'X-API-Key': 'not-the-key' } });
    for (let i = 0; i < 3; i++) await expect(guesser.runAgent()).rejects.toMatchObject({ status: 401 });
    await expect(guesser.runAgent()).rejects.toMatchObject({ status: 429, payload: { error: { code: 'RATE_LIMITED' } } });
  });
});
