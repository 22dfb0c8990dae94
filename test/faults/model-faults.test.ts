import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECOVERED_TEXT } from '../../src/dev/scripted-model/index.js';
import type { TaskEvent } from '../../src/events/event-types.js';
import { collectEvents, request, waitFor } from '../helpers/client.js';
import { claudeProcesses } from '../helpers/processes.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Model failures staged by the scripted model (src/dev/scripted-model/faults.ts), through the
 * real CLI and the server's credential proxy, which retries, cuts and reports them.
 */
describe('model faults (real CLI, credential proxy, scripted model)', () => {
  let server: TestServer;
  const sessionIds: string[] = [];
  beforeAll(async () => {
    server = await startTestServer({
      // Small numbers so that the budget runs out in seconds; the logic is the same as by default.
      MODEL_RETRY_MAX_ATTEMPTS: '4',
      MODEL_RETRY_BUDGET_SECONDS: '20',
      MODEL_RETRY_BASE_DELAY_MS: '50',
      MODEL_RETRY_MAX_DELAY_MS: '200',
      AGENT_STALL_TIMEOUT_SECONDS: '2',
      SESSION_MAX_CONCURRENT: '2',
      WARM_POOL_SIZE: '1',
    });
  });
  afterAll(async () => server?.close());

  /** Submits a task, follows its stream to the end and returns the events and the final task. */
  async function run(taskId: string, prompt: string): Promise<{ events: TaskEvent[]; task: Record<string, unknown> }> {
    const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: taskId, prompt });
    expect(submitted.status).toBe(201);
    const { events } = await collectEvents(`${server.wsBase}/ws/tasks/${taskId}`, 60_000);
    const { body: task } = await request(server.baseUrl, 'GET', `/api/v1/tasks/${taskId}`);
    sessionIds.push(String(task.session_id));
    return { events, task };
  }

  function mainAttempts(marker: string): string[] {
    return server.model.requests.filter((r) => r.kind === 'main' && JSON.stringify(r.body).includes(marker)).map((r) => r.outcome);
  }

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const text = await (await fetch(server.metricsUrl)).text();
    return sampleValue(parsePrometheus(text), name, labels) ?? 0;
  }

  /** The server answers, and no agent process is busy any more (none orphaned by the failure). */
  async function expectHealthyAndSettled(): Promise<void> {
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    await waitFor(async () => server.agents.stats().busy === 0);
    // Every CLI process still running is one the server owns: a spare or a session's idle process.
    await waitFor(async () => {
      const known = new Set([...server.agents.sparePids(), ...sessionIds.map((id) => server.agents.livePid(id))]);
      // A known pid may be the sandbox (bwrap) the CLI runs in: the CLI is then its descendant.
      const inSandbox = new Set([...known].flatMap((pid) => (pid === null ? [] : claudeProcesses(pid))));
      return claudeProcesses(process.pid).every((pid) => known.has(pid) || inSandbox.has(pid));
    }, 15_000);
  }

  it('a task survives three 529 answers in a row: the proxy retries and the CLI never sees them', async () => {
    const retriesBefore = await metric('model_retries_total', { reason: '529' });
    const { events, task } = await run('ok-after-529', '[[script:overloaded-then-ok]] marker-529');
    expect(task).toMatchObject({ status: 'completed', result: RECOVERED_TEXT, error: null });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'completed' } });
    expect(mainAttempts('marker-529')).toEqual(['error:529', 'error:529', 'error:529', 'text']);
    expect(await metric('model_retries_total', { reason: '529' })).toBe(retriesBefore + 3);
    await expectHealthyAndSettled();
  });

  it('a connection reset before any byte is retried too', async () => {
    const { task } = await run('reset', '[[script:reset-then-ok]] marker-reset');
    expect(task).toMatchObject({ status: 'completed', result: RECOVERED_TEXT });
    expect(mainAttempts('marker-reset')).toEqual(['fault:reset', 'fault:reset', 'text']);
    await expectHealthyAndSettled();
  });

  it('a persistent 500 fails the task with MODEL_UNAVAILABLE and the upstream status, after the attempt budget', async () => {
    const { events, task } = await run('persistent-500', '[[script:server-error]] marker-500');
    expect(task).toMatchObject({ status: 'failed', error: { code: 'MODEL_UNAVAILABLE' } });
    expect((task.error as { message: string }).message).toContain('HTTP 500');
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'complete']);
    expect(events.at(-2)?.data).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    // MODEL_RETRY_MAX_ATTEMPTS=4, and the CLI (CLAUDE_CODE_MAX_RETRIES=0) adds none of its own.
    expect(mainAttempts('marker-500')).toEqual(['error:500', 'error:500', 'error:500', 'error:500']);
    await expectHealthyAndSettled();
  });

  it('honours retry-after: the retry waits at least as long as the model asked', async () => {
    const { task } = await run('retry-after', '[[script:status-sequence]] [[statuses:429]] [[retry-after:2]] marker-ra');
    expect(task).toMatchObject({ status: 'completed', result: RECOVERED_TEXT });
    const attempts = server.model.requests.filter((r) => r.kind === 'main' && JSON.stringify(r.body).includes('marker-ra'));
    expect(attempts.map((r) => r.outcome)).toEqual(['error:429', 'text']);
    const gap = Date.parse(attempts[1]!.receivedAt) - Date.parse(attempts[0]!.receivedAt);
    // A lower bound the proxy must respect, not a timing threshold: base back-off here is 50 ms.
    expect(gap).toBeGreaterThanOrEqual(2000);
    await expectHealthyAndSettled();
  });

  it('cuts a silent stream after AGENT_STALL_TIMEOUT_SECONDS and fails the task with MODEL_STALLED', async () => {
    const { events, task } = await run('silent', '[[script:silent-stream]]');
    expect(task).toMatchObject({ status: 'failed', error: { code: 'MODEL_STALLED' } });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
    expect(await metric('model_requests_total', { status: 'stalled' })).toBeGreaterThanOrEqual(1);
    await expectHealthyAndSettled();
  });

  it('a connection dropped mid-stream fails the task with MODEL_UNAVAILABLE instead of hanging', async () => {
    const { events, task } = await run('dropped', '[[script:dropped-stream]] marker-drop');
    // With CLAUDE_CODE_MAX_RETRIES=0 the CLI resends a broken stream at most once (its
    // non-streaming fallback), where by default it retries for minutes (measured: 7 in 40 s).
    const attempts = mainAttempts('marker-drop');
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    expect(attempts.length).toBeLessThanOrEqual(2);
    expect(attempts.every((a) => a === 'fault:drop')).toBe(true);
    expect(task).toMatchObject({ status: 'failed', error: { code: 'MODEL_UNAVAILABLE' } });
    expect((task.error as { message: string }).message).toContain('dropped the connection');
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
    await expectHealthyAndSettled();
  });

  it('a malformed stream fails the task, not hangs it', async () => {
    const { events, task } = await run('malformed', '[[script:malformed-stream]]');
    // The stream arrives whole (nothing to retry or cut at the proxy); the CLI rejects it.
    expect(task).toMatchObject({ status: 'failed', error: { code: 'AGENT_API_ERROR' } });
    expect((task.error as { message: string }).message).toContain('malformed');
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
    await expectHealthyAndSettled();
  });
});
