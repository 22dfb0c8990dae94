import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CcsApiError, CcsClient, type TaskEvent, type WebSocketConstructor } from '../../packages/client/src/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { expectGapFree, inlineScript, pausingTask } from './helpers.js';

/** Every route through the typed client, against a real daemon driving the real CLI. */
describe('CcsClient against a real daemon', () => {
  let server: TestServer;
  let ccs: CcsClient;

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0' });
    ccs = new CcsClient({ baseUrl: server.baseUrl });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('health', async () => {
    const health = await ccs.health();
    expect(health.status).toBe('healthy');
    expect(health.agent_processes).toMatchObject({ busy: expect.any(Number), spare: 0 });
  });

  it('submit, get, list, events page, stream over WebSocket and SSE, sessions', async () => {
    const submitted = await ccs.tasks.submit({ task_id: 'c-basic', prompt: 'hello client', workspace: 'client-ws' });
    expect(submitted).toMatchObject({ task_id: 'c-basic', session_id: 'session-c-basic' });
    expect(['running', 'queued']).toContain(submitted.status);

    const live: TaskEvent[] = [];
    for await (const event of ccs.tasks.stream('c-basic')) live.push(event);
    expectGapFree(live);
    const complete = live.at(-1)!;
    expect(complete.type === 'complete' && complete.data.status).toBe('completed');

    // The same history over SSE, and resumed after a seq.
    const sse: TaskEvent[] = [];
    for await (const event of ccs.tasks.stream('c-basic', { transport: 'sse' })) sse.push(event);
    expect(sse).toEqual(live);
    const tail: TaskEvent[] = [];
    for await (const event of ccs.tasks.stream('c-basic', { after: live.length - 1 })) tail.push(event);
    expect(tail).toEqual([complete]);
    // Already have `complete`: both transports end at once, without reconnecting.
    for (const transport of ['websocket', 'sse'] as const) {
      const none: TaskEvent[] = [];
      for await (const event of ccs.tasks.stream('c-basic', { after: live.length, transport, maxReconnectAttempts: 0 })) none.push(event);
      expect(none).toEqual([]);
    }

    const page = await ccs.tasks.events('c-basic', { after: 0, limit: 2 });
    expect(page.events).toEqual(live.slice(0, 2));
    expect(page).toMatchObject({ task_id: 'c-basic', next_after: 2, has_more: true });

    const task = await ccs.tasks.get('c-basic');
    expect(task).toMatchObject({ task_id: 'c-basic', status: 'completed', prompt: 'hello client' });
    expect(task.result).toContain('hello client');

    const list = await ccs.tasks.list({ status: 'completed', limit: 1 });
    expect(list.tasks.map((t) => t.task_id)).toContain('c-basic');

    const sessions = await ccs.sessions.list({ status: 'all' });
    expect(sessions.sessions.map((s) => s.session_id)).toContain('session-c-basic');
    const session = await ccs.sessions.get('session-c-basic');
    expect(session).toMatchObject({ session_id: 'session-c-basic', task_count: 1 });
    expect(await ccs.sessions.delete('session-c-basic')).toEqual({ session_id: 'session-c-basic', interrupted_tasks: [], deleted: true });
  });

  it('listAll pages through every task', async () => {
    await ccs.tasks.run({ task_id: 'c-page-1', prompt: 'one' });
    await ccs.tasks.run({ task_id: 'c-page-2', prompt: 'two' });
    const ids: string[] = [];
    for await (const task of ccs.tasks.listAll({ limit: 1 })) ids.push(task.task_id);
    expect(ids).toEqual(expect.arrayContaining(['c-page-1', 'c-page-2']));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('ws tickets, the OpenAPI document and the docs page', async () => {
    const ticket = await ccs.createWsTicket();
    expect(ticket.ticket.length).toBeGreaterThan(10);
    expect(ticket.expires_in_seconds).toBe(30);
    const spec = await ccs.openapi();
    expect(spec.openapi).toBe('3.1.0');
    expect(await ccs.docs()).toContain('swagger-ui');
  });

  it('typed errors carry code, status and the request id', async () => {
    const missing = await ccs.tasks.get('no-such-task', { requestId: 'req-client-404' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CcsApiError);
    expect(missing).toMatchObject({ code: 'TASK_NOT_FOUND', status: 404, requestId: 'req-client-404' });

    const invalid = await ccs.tasks.submit({ prompt: '   ', options: { max_turns: 0 } }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ name: 'CcsApiError', code: 'VALIDATION_ERROR', status: 400 });
    expect((invalid as CcsApiError).details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'prompt' }), expect.objectContaining({ path: 'options.max_turns' })]),
    );
    expect((invalid as CcsApiError).requestId).toMatch(/.+/);

    await expect(ccs.sessions.get('no-such-session')).rejects.toMatchObject({ code: 'SESSION_NOT_FOUND', status: 404 });
    await expect(ccs.tasks.interrupt('c-page-1')).rejects.toMatchObject({ code: 'TASK_NOT_RUNNING', status: 409 });
    // The stream reports an unknown task the same way on both transports, without retrying.
    for (const transport of ['websocket', 'sse'] as const) {
      const iterate = async () => {
        for await (const _ of ccs.tasks.stream('no-such-task', { transport })) void _;
      };
      await expect(iterate()).rejects.toMatchObject({ code: 'TASK_NOT_FOUND', status: 404 });
    }
  });

  for (const transport of ['websocket', 'sse'] as const) {
    it(`${transport}: the stream survives the server dropping it mid-task and resumes without gap or duplicate`, async () => {
      const taskId = `c-drop-${transport}`;
      await ccs.tasks.submit({ task_id: taskId, prompt: pausingTask(2_500), options: { allowed_tools: ['Bash'] } });
      const events: TaskEvent[] = [];
      const reconnects: number[] = [];
      let dropped = false;
      for await (const event of ccs.tasks.stream(taskId, { transport, reconnectDelayMs: 50, onReconnect: (info) => reconnects.push(info.after) })) {
        events.push(event);
        if (!dropped && event.type === 'tool_result') {
          dropped = true;
          // The task is still in its pause, so `complete` has not been sent yet.
          expect((await ccs.tasks.get(taskId)).status).toBe('running');
          if (transport === 'websocket') {
            expect(server.sockets.size).toBeGreaterThan(0);
            for (const socket of server.sockets) socket.terminate();
          } else {
            server.app.server.closeAllConnections();
          }
        }
      }
      expect(dropped).toBe(true);
      expect(reconnects.length).toBeGreaterThanOrEqual(1);
      expectGapFree(events);
      expect(events.filter((e) => e.type === 'tool_use')).toHaveLength(2);
      const complete = events.at(-1)!;
      expect(complete.type === 'complete' && complete.data.status).toBe('completed');
      // Nothing was lost: the stored history is exactly what the client yielded.
      const stored = await ccs.tasks.events(taskId, { limit: 1000 });
      expect(stored.events).toEqual(events);
    });
  }

  it('run() waits for the final task', async () => {
    const seen: string[] = [];
    const task = await ccs.tasks.run({ prompt: inlineScript([{ text: 'ran to the end' }]) }, { onEvent: (e) => seen.push(e.type) });
    expect(task.status).toBe('completed');
    expect(task.result).toBe('ran to the end');
    expect(seen.at(-1)).toBe('complete');
  });

  it('run() with an aborted signal interrupts the task', async () => {
    const abort = new AbortController();
    const task = await ccs.tasks.run(
      { prompt: pausingTask(30_000), options: { allowed_tools: ['Bash'] } },
      { signal: abort.signal, onEvent: (event) => event.type === 'tool_result' && abort.abort() },
    );
    expect(task.status).toBe('interrupted');
    expect(task.error?.code).toBe('TASK_INTERRUPTED');
  });

  it('run() with a signal aborted before it starts submits nothing', async () => {
    const before = (await ccs.tasks.list({ limit: 500 })).tasks.length;
    await expect(ccs.tasks.run({ prompt: 'never' }, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
    expect((await ccs.tasks.list({ limit: 500 })).tasks.length).toBe(before);
  });

  it('fork() continues a session as of a finished task; a bad fork throws its code', async () => {
    const first = await ccs.tasks.run({ task_id: 'c-fork-1', prompt: '[[script:remember]] remember apple', session: { session_id: 'c-fork-src' } });
    await ccs.tasks.run({ prompt: '[[script:remember]] remember banana', session: { reuse_existing: true, session_id: 'c-fork-src' } });
    const forked = await ccs.sessions.fork('c-fork-src', { at_task_id: first.task_id, session_id: 'c-fork' });
    expect(forked).toMatchObject({ session_id: 'c-fork', forked_from: { session_id: 'c-fork-src', task_id: 'c-fork-1' } });
    const recalled = await ccs.tasks.run({ prompt: '[[script:recall]]', session: { reuse_existing: true, session_id: 'c-fork' } });
    expect(recalled.result).toContain('remember apple');
    expect((await ccs.fork('c-fork-src', { copy_workspace: false })).workspace).toBe(first.workspace);
    await expect(ccs.fork('c-fork-src', { at_task_id: 'no-such-task' })).rejects.toMatchObject({ code: 'TASK_NOT_FOUND', status: 404 });
  });
});

describe('CcsClient with auth enabled', () => {
  const KEY = 'client-test-key-0123456789';
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0', API_AUTH_ENABLED: 'true', API_API_KEY: KEY });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 401 UNAUTHORIZED without the key, also to a stream', async () => {
    const anonymous = new CcsClient({ baseUrl: server.baseUrl });
    await expect(anonymous.tasks.list()).rejects.toMatchObject({ name: 'CcsApiError', code: 'UNAUTHORIZED', status: 401 });
    const wrong = new CcsClient({ baseUrl: server.baseUrl, apiKey: 'wrong-key-0123456789' });
    await expect(wrong.tasks.get('x')).rejects.toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    const iterate = async () => {
      for await (const _ of anonymous.tasks.stream('x')) void _;
    };
    await expect(iterate()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    // /health is public.
    expect((await anonymous.health()).status).toBe('healthy');
  });

  it('with the key: streams over WebSocket (with a ticket per connection) and SSE', async () => {
    const urls: string[] = [];
    class RecordingWebSocket extends WebSocket {
      constructor(url: string) {
        urls.push(url);
        super(url);
      }
    }
    const ccs = new CcsClient({ baseUrl: server.baseUrl, apiKey: KEY, WebSocket: RecordingWebSocket as unknown as WebSocketConstructor });
    const task = await ccs.tasks.run({ task_id: 'auth-run', prompt: 'hello with a key' });
    expect(task.status).toBe('completed');
    const sse: TaskEvent[] = [];
    for await (const event of ccs.tasks.stream('auth-run', { transport: 'sse' })) sse.push(event);
    expectGapFree(sse);
    // The WebSocket never saw the key: it connected with a single-use ticket.
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(/\/ws\/tasks\/auth-run\?after=0&ticket=.+/);
    expect(urls[0]).not.toContain(KEY);
  });
});
