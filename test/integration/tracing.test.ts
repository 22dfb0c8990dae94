import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { one, traceOf } from '../helpers/span-tree.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('task traces (in-memory exporter, real server and CLI)', () => {
  const exporter = new InMemorySpanExporter();
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({}, undefined, { traceExporter: exporter });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a two-turn task with tool calls is one trace: task, queue wait, agent start, turns, model calls, tool calls', async () => {
    const submit = await request<{ trace_id: string }>(
      server.baseUrl,
      'POST',
      '/api/v1/tasks',
      { task_id: 'traced', prompt: '[[script:multi-tool]]' },
      { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    );
    expect(submit.status).toBe(201);
    // The caller's trace continues: the task joins it rather than starting its own.
    expect(submit.body.trace_id).toBe(CALLER_TRACE);
    const finished = await waitForStatus(server.baseUrl, 'traced', ['completed', 'failed']);
    expect(finished).toMatchObject({ status: 'completed', trace_id: CALLER_TRACE });

    const spans = await traceOf(exporter, CALLER_TRACE);
    const task = one(spans, 'task');
    expect(task.parentSpanId).toBe(CALLER_SPAN);
    expect(task.attributes).toMatchObject({ task_id: 'traced', session_id: finished.session_id, tenant: 'default', status: 'completed' });
    expect(task.attributes.cost_usd).toBeGreaterThan(0);
    expect(task.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(task.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(task.error).toBeUndefined();

    expect(one(spans, 'queue_wait').parentSpanId).toBe(task.spanId);
    const start = one(spans, 'agent_start');
    expect(start.parentSpanId).toBe(task.spanId);
    expect(start.attributes['agent.start']).toBe('cold');

    const turns = spans.filter((s) => s.name === 'turn').sort((x, y) => Number(x.attributes.turn) - Number(y.attributes.turn));
    expect(turns.length).toBeGreaterThanOrEqual(2);
    for (const turn of turns) expect(turn.parentSpanId).toBe(task.spanId);

    // Each turn is one model call of the agent loop; side calls (titles) sit in a turn or under the task.
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    for (const turn of turns) expect(chats.some((c) => c.parentSpanId === turn.spanId)).toBe(true);
    for (const chat of chats) {
      expect([task.spanId, ...turns.map((t) => t.spanId)]).toContain(chat.parentSpanId);
      expect(chat.name).toBe(`chat ${String(chat.attributes['gen_ai.request.model'])}`);
      expect(chat.attributes).toMatchObject({ 'gen_ai.system': 'anthropic', outcome: 'ok', 'http.response.status_code': 200 });
      expect(chat.attributes['gen_ai.request.model']).toEqual(expect.any(String));
      expect(chat.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(chat.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    }

    // multi-tool: Write in the first turn, Bash in the second, each under the turn that asked for it.
    const write = one(spans, 'execute_tool Write');
    const bash = one(spans, 'execute_tool Bash');
    expect(write.parentSpanId).toBe(turns[0]!.spanId);
    expect(bash.parentSpanId).toBe(turns[1]!.spanId);
    expect(write.attributes).toMatchObject({ 'gen_ai.tool.name': 'Write', 'gen_ai.operation.name': 'execute_tool', outcome: 'ok', task_id: 'traced' });
    expect(bash.attributes).toMatchObject({ 'gen_ai.tool.name': 'Bash', outcome: 'ok' });
    expect(spans.every((s) => s.traceId === CALLER_TRACE)).toBe(true);

    // Logs join traces by trace_id.
    const lines = server.logs.filter((l) => l.task_id === 'traced' && ['Task submitted', 'Task started', 'Task completed'].includes(String(l.message)));
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.trace_id).toBe(CALLER_TRACE);
  });

  it('a traceparent on a trigger fire, an A2A message and an AG-UI run parents the task it starts', async () => {
    const traceparent = (n: number) => ({ traceparent: `00-${CALLER_TRACE.slice(0, 30)}${n}0-${CALLER_SPAN}-01` });
    const created = await request(server.baseUrl, 'POST', '/api/v1/triggers', { name: 'traced-trigger', task: { prompt: 'hello from a trigger' } });
    expect(created.status).toBe(201);
    const fired = await request<{ task_id: string; trace_id: string }>(
      server.baseUrl,
      'POST',
      `/api/v1/triggers/${String(created.body.trigger_id)}/fire`,
      undefined,
      {
        authorization: `Bearer ${String(created.body.token)}`,
        ...traceparent(1),
      },
    );
    expect(fired.status, JSON.stringify(fired.body)).toBe(201);
    expect(fired.body.trace_id).toBe(traceparent(1).traceparent.slice(3, 35));

    const message = { kind: 'message', messageId: 'traced-a2a', role: 'user', parts: [{ kind: 'text', text: 'hello over a2a' }] };
    const rpc = { jsonrpc: '2.0', id: 1, method: 'message/send', params: { message, configuration: { blocking: false } } };
    expect((await request(server.baseUrl, 'POST', '/a2a/jsonrpc', rpc, traceparent(2))).status).toBe(200);
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks/traced-a2a')).body.trace_id).toBe(traceparent(2).traceparent.slice(3, 35));

    const run = {
      threadId: 'traced-thread',
      runId: 'traced-agui',
      messages: [{ id: 'm1', role: 'user', content: 'hello over ag-ui' }],
      tools: [],
      context: [],
      state: {},
      forwardedProps: {},
    };
    const agui = await fetch(`${server.baseUrl}/agui`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...traceparent(3) },
      body: JSON.stringify(run),
    });
    expect(agui.status).toBe(200);
    await agui.text();
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks/traced-agui')).body.trace_id).toBe(traceparent(3).traceparent.slice(3, 35));
    for (const id of [fired.body.task_id, 'traced-a2a', 'traced-agui']) await waitForStatus(server.baseUrl, id, ['completed', 'failed']);
  });

  it('without a traceparent the task span starts a trace of its own; a malformed one is ignored', async () => {
    const submit = await request<{ trace_id: string }>(
      server.baseUrl,
      'POST',
      '/api/v1/tasks',
      { task_id: 'untraced-caller', prompt: 'hello' },
      { traceparent: '00-not-a-trace-01' },
    );
    expect(submit.status).toBe(201);
    expect(submit.body.trace_id).toMatch(/^[0-9a-f]{32}$/);
    await waitForStatus(server.baseUrl, 'untraced-caller', ['completed', 'failed']);
    const spans = await traceOf(exporter, submit.body.trace_id);
    expect(one(spans, 'task').parentSpanId).toBeUndefined();
    expect(one(spans, 'agent_start').attributes['agent.start']).toBe('cold');

    // The session's next task runs in its live agent process: a warm start, in a trace of its own.
    const session = { session_id: String((await request(server.baseUrl, 'GET', '/api/v1/tasks/untraced-caller')).body.session_id), reuse_existing: true };
    const next = await request<{ trace_id: string }>(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'follow-up', prompt: 'hello again', session });
    await waitForStatus(server.baseUrl, 'follow-up', ['completed']);
    expect(next.body.trace_id).not.toBe(submit.body.trace_id);
    const warm = one(await traceOf(exporter, next.body.trace_id), 'agent_start');
    expect(warm.attributes).toMatchObject({ 'agent.start': 'warm', 'agent.process_source': 'reused' });
  });

  it('a model call that fails is an error span, and so is the task it fails', async () => {
    const submit = await request<{ trace_id: string }>(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'refused', prompt: '[[script:api-error]]' });
    expect(await waitForStatus(server.baseUrl, 'refused', ['completed', 'failed'])).toMatchObject({ status: 'failed' });
    const spans = await traceOf(exporter, submit.body.trace_id);
    const chat = spans.find((s) => s.attributes['gen_ai.operation.name'] === 'chat' && s.attributes.outcome === 'error');
    expect(chat?.attributes).toMatchObject({ 'http.response.status_code': 400, 'error.type': '400' });
    expect(chat?.error).toEqual(expect.any(String));
    const task = one(spans, 'task');
    expect(task.attributes).toMatchObject({ status: 'failed', 'error.type': expect.any(String) });
    expect(task.error).toEqual(expect.any(String));
  });

  it('a task interrupted while queued still ends its trace: task and queue wait, status interrupted', async () => {
    // The session's first task holds it, so the second waits in the queue until it is interrupted.
    await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'holder', prompt: '[[script:slow]]', session: { session_id: 'held' } });
    await waitForStatus(server.baseUrl, 'holder', ['running']);
    const queued = await request<{ trace_id: string }>(server.baseUrl, 'POST', '/api/v1/tasks', {
      task_id: 'waiter',
      prompt: 'hello',
      session: { session_id: 'held', reuse_existing: true },
    });
    expect(queued.body).toMatchObject({ status: 'queued' });
    expect((await request(server.baseUrl, 'POST', '/api/v1/tasks/waiter/interrupt')).status).toBe(200);
    const spans = await traceOf(exporter, queued.body.trace_id);
    const task = one(spans, 'task');
    expect(task.attributes).toMatchObject({ status: 'interrupted', 'error.type': 'TASK_INTERRUPTED' });
    expect(task.error).toEqual(expect.any(String));
    expect(one(spans, 'queue_wait').parentSpanId).toBe(task.spanId);
    expect(spans.map((s) => s.name).sort()).toEqual(['queue_wait', 'task']);
    await request(server.baseUrl, 'POST', '/api/v1/tasks/holder/interrupt');
  });
});

describe('tracing off (the default)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('tasks carry trace_id null, in the submit answer, the record and the logs', async () => {
    const submit = await request(
      server.baseUrl,
      'POST',
      '/api/v1/tasks',
      { task_id: 'plain', prompt: 'hello' },
      { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    );
    expect(submit.body).toMatchObject({ trace_id: null });
    expect(await waitForStatus(server.baseUrl, 'plain', ['completed'])).toMatchObject({ trace_id: null });
    expect(server.logs.filter((l) => l.task_id === 'plain' && 'trace_id' in l)).toEqual([]);
  });
});
