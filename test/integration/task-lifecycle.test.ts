import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { claudeProcesses } from '../helpers/processes.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

function inlineScript(steps: unknown[]): string {
  return `[[script:${JSON.stringify({ steps })}]]`;
}

describe('interrupt, timeout and failure (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '2', TASK_INTERRUPT_GRACE_MS: '2000' });
  });
  afterAll(async () => server?.close());

  async function submit(body: Record<string, unknown>) {
    const response = await request(server.baseUrl, 'POST', '/api/v1/tasks', body);
    expect(response.status).toBe(201);
    return response.body;
  }

  it('interrupts a running task within a few seconds and ends its stream with error and complete', async () => {
    await submit({ task_id: 'slow-1', prompt: '[[script:slow]]' });
    const streamed = collectEvents(`${server.wsBase}/ws/tasks/slow-1`);
    await waitForStatus(server.baseUrl, 'slow-1', ['running']);
    await waitFor(async () => claudeProcesses(process.pid).length > 0);
    const started = Date.now();
    const { status, body } = await request(server.baseUrl, 'POST', '/api/v1/tasks/slow-1/interrupt');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'interrupted', error: { code: 'TASK_INTERRUPTED' } });
    const { events } = await streamed;
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'complete']);
    expect(events.at(-1)?.data).toMatchObject({ status: 'interrupted' });
    const again = await request(server.baseUrl, 'POST', '/api/v1/tasks/slow-1/interrupt');
    expect(again.status).toBe(409);
    expect((again.body.error as { code: string }).code).toBe('TASK_NOT_RUNNING');
  });

  it('ends a task that runs past its timeout as timed_out', async () => {
    await submit({ task_id: 'slow-timeout', prompt: '[[script:slow]]', options: { timeout: 1 } });
    const { events } = await collectEvents(`${server.wsBase}/ws/tasks/slow-timeout`);
    expect(events.at(-2)).toMatchObject({ type: 'error', data: { code: 'TASK_TIMEOUT' } });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'timed_out' } });
    const { body } = await request(server.baseUrl, 'GET', '/api/v1/tasks/slow-timeout');
    expect(body).toMatchObject({ status: 'timed_out', error: { code: 'TASK_TIMEOUT' } });
    expect(body.duration_ms).toBeLessThan(10_000);
  });

  it('fails a task whose model call returns an API error, with an error event saying why', async () => {
    await submit({ task_id: 'api-error', prompt: '[[script:api-error]]' });
    const { events } = await collectEvents(`${server.wsBase}/ws/tasks/api-error`);
    const error = events.find((e) => e.type === 'error');
    expect(error?.data).toMatchObject({ code: 'AGENT_API_ERROR', message: expect.stringContaining('400') });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
    const { body } = await request(server.baseUrl, 'GET', '/api/v1/tasks/api-error');
    expect(body).toMatchObject({ status: 'failed', result: null, error: { code: 'AGENT_API_ERROR' } });
  });

  it('fails a task that exceeds max_turns', async () => {
    const steps = [1, 2, 3, 4].map((n) => ({ tool: { name: 'Bash', input: { command: `echo turn-${n}` } } }));
    await submit({ task_id: 'max-turns', prompt: inlineScript(steps), options: { max_turns: 2, allowed_tools: ['Bash'] } });
    const { events } = await collectEvents(`${server.wsBase}/ws/tasks/max-turns`);
    expect(events.find((e) => e.type === 'error')?.data).toMatchObject({ code: 'AGENT_MAX_TURNS' });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
  });

  it('fails a task whose CLI process dies, and says so', async () => {
    await submit({ task_id: 'crash', prompt: '[[script:slow]]' });
    const streamed = collectEvents(`${server.wsBase}/ws/tasks/crash`);
    await waitForStatus(server.baseUrl, 'crash', ['running']);
    const pid = await waitFor(async () => server.agents.livePid('session-crash'));
    // The CLI itself, or the sandbox (bwrap) it runs in.
    expect(claudeProcesses(process.pid).includes(pid) || claudeProcesses(pid).length > 0).toBe(true);
    process.kill(pid, 'SIGKILL');
    const { events } = await streamed;
    expect(events.find((e) => e.type === 'error')?.data).toMatchObject({ code: 'AGENT_PROCESS_FAILED', message: expect.any(String) });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
  });

  it('interrupts a queued task without running it', async () => {
    await submit({ task_id: 'busy-a', prompt: '[[script:slow]]' });
    await submit({ task_id: 'busy-b', prompt: '[[script:slow]]' });
    const queued = await submit({ task_id: 'queued-1', prompt: 'never runs' });
    expect(queued.status).toBe('queued');
    const { body } = await request(server.baseUrl, 'POST', '/api/v1/tasks/queued-1/interrupt');
    expect(body).toMatchObject({ status: 'interrupted', started_at: null });
    const { events } = await collectEvents(`${server.wsBase}/ws/tasks/queued-1`);
    expect(events.map((e) => e.type)).toEqual(['error', 'complete']);
    expect(events[1]?.data).toEqual({
      status: 'interrupted',
      result: null,
      usage: { input_tokens: 0, output_tokens: 0 },
      num_turns: 0,
      cost_usd: 0,
      duration_ms: null,
      error: { code: 'TASK_INTERRUPTED', message: 'Task was interrupted before it started' },
    });
    await request(server.baseUrl, 'POST', '/api/v1/tasks/busy-a/interrupt');
    await request(server.baseUrl, 'POST', '/api/v1/tasks/busy-b/interrupt');
    expect((await request(server.baseUrl, 'GET', '/health')).body).toMatchObject({ active_tasks: 0, queued_tasks: 0 });
  });
});
