import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { isAlive } from '../helpers/processes.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

async function runTask(server: TestServer, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', body);
  expect(submitted.status).toBe(201);
  return waitForStatus(server.baseUrl, String(submitted.body.task_id), ['completed', 'failed', 'interrupted', 'timed_out']);
}

const reuse = (sessionId: string) => ({ reuse_existing: true, session_id: sessionId });

describe('live sessions and the warm pool (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '3', WARM_POOL_SIZE: '1' });
    await waitFor(async () => server.agents.stats().spare === 1, 30_000);
  });
  afterAll(async () => server?.close());

  it('a new session claims the spare, and the spare is replaced', async () => {
    const [sparePid] = await waitFor(async () => (server.agents.sparePids().length === 1 ? server.agents.sparePids() : undefined));
    const before = server.agents.stats();
    const done = await runTask(server, { task_id: 'live-1', prompt: '[[script:remember]] remember mango' });
    expect(done.status).toBe('completed');
    const after = server.agents.stats();
    expect(after.starts.spare).toBe(before.starts.spare + 1);
    expect(after.starts.cold).toBe(before.starts.cold);
    // The spare became the session's process, and a new spare took its place.
    expect(server.agents.livePid('session-live-1')).toBe(sparePid);
    const [replacement] = await waitFor(async () => (server.agents.sparePids().length === 1 ? server.agents.sparePids() : undefined), 30_000);
    expect(replacement).not.toBe(sparePid);
  });

  it('a reused session runs in the same process and remembers the conversation', async () => {
    const pid = server.agents.livePid('session-live-1');
    expect(pid).not.toBeNull();
    const done = await runTask(server, { task_id: 'live-2', prompt: '[[script:recall]] what was it?', session: reuse('session-live-1') });
    expect(done).toMatchObject({ status: 'completed', result: expect.stringContaining('mango') });
    expect(server.agents.livePid('session-live-1')).toBe(pid);
    expect(server.agents.stats().starts.reused).toBeGreaterThanOrEqual(1);
  });

  it('interrupt, timeout and an API error leave the session usable in the same process', async () => {
    const pid = server.agents.livePid('session-live-1');
    await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'live-slow', prompt: '[[script:slow]]', session: reuse('session-live-1') });
    await waitForStatus(server.baseUrl, 'live-slow', ['running']);
    await waitFor(async () => server.model.requests.some((r) => r.script === 'slow'));
    expect((await request(server.baseUrl, 'POST', '/api/v1/tasks/live-slow/interrupt')).body.status).toBe('interrupted');
    expect(
      (await runTask(server, { task_id: 'live-timeout', prompt: '[[script:slow]]', options: { timeout: 1 }, session: reuse('session-live-1') })).status,
    ).toBe('timed_out');
    expect((await runTask(server, { task_id: 'live-error', prompt: '[[script:api-error]]', session: reuse('session-live-1') })).status).toBe('failed');
    const after = await runTask(server, { task_id: 'live-3', prompt: '[[script:recall]] still there?', session: reuse('session-live-1') });
    expect(after).toMatchObject({ status: 'completed', result: expect.stringContaining('mango') });
    expect(server.agents.livePid('session-live-1')).toBe(pid);
  });

  it('a task with other tools, mode, model or turn limit still claims the spare', async () => {
    await waitFor(async () => server.agents.stats().spare === 1, 30_000);
    const before = server.agents.stats();
    const done = await runTask(server, { task_id: 'odd-tools', prompt: 'hello', options: { allowed_tools: ['Read'], permission_mode: 'plan', max_turns: 3 } });
    expect(done.status).toBe('completed');
    const after = server.agents.stats();
    expect(after.starts.spare).toBe(before.starts.spare + 1);
    expect(after.starts.cold).toBe(before.starts.cold);
    expect(after.cold_no_matching_spare).toBe(before.cold_no_matching_spare);
  });

  it('at the limit the least recently used idle process is evicted and waited for, and its session still resumes', async () => {
    // Three slots: live-1's session, odd-tools' session, and the spare. The first new session
    // takes the spare; the second needs a slot, so the least recently used idle process goes.
    await waitFor(async () => server.agents.stats().spare === 1, 30_000);
    const evictedPid = server.agents.livePid('session-live-1');
    const before = server.agents.stats();
    await runTask(server, { task_id: 'lru-spare', prompt: 'hello', options: { allowed_tools: ['Grep'] } });
    await runTask(server, { task_id: 'lru-cold', prompt: 'hello', options: { allowed_tools: ['Grep'] } });
    const after = server.agents.stats();
    expect(after.evictions).toBeGreaterThan(before.evictions);
    expect(after.cold_starts.no_spare).toBe(before.cold_starts.no_spare + 1);
    expect(server.agents.livePid('session-live-1')).toBeNull();
    // The evicted process was gone before the new one started.
    expect(isAlive(evictedPid!)).toBe(false);
    const resumed = await runTask(server, { task_id: 'live-4', prompt: '[[script:recall]] after eviction?', session: reuse('session-live-1') });
    expect(resumed).toMatchObject({ status: 'completed', result: expect.stringContaining('mango') });
    expect(server.agents.stats().cold_starts.evicted).toBe(before.cold_starts.evicted + 1);
    const { busy, idle, spare, exiting } = server.agents.stats();
    expect(busy + idle + spare + exiting).toBeLessThanOrEqual(3);
  });

  it('reports busy, idle and spare processes and their memory on /health and in the metrics', async () => {
    const body = await health(server);
    const stats = server.agents.stats();
    expect(body.agent_processes).toMatchObject({ busy: 0, idle: stats.idle, spare: stats.spare });
    expect(body.agent_processes.memory_bytes).toBeGreaterThan(50 * 1024 * 1024);

    const samples = parsePrometheus(await server.metrics.render());
    expect(sampleValue(samples, 'agent_processes', { state: 'idle' })).toBe(stats.idle);
    expect(sampleValue(samples, 'agent_processes', { state: 'spare' })).toBe(stats.spare);
    expect(sampleValue(samples, 'agent_process_starts_total', { source: 'spare' })).toBe(stats.starts.spare);
    expect(sampleValue(samples, 'agent_process_starts_total', { source: 'reused' })).toBe(stats.starts.reused);
    expect(sampleValue(samples, 'agent_process_starts_total', { source: 'cold' })).toBe(stats.starts.cold);
    expect(sampleValue(samples, 'agent_cold_starts_no_matching_spare_total')).toBe(stats.cold_no_matching_spare);
    for (const [cause, count] of Object.entries(stats.cold_starts)) expect(sampleValue(samples, 'agent_cold_starts_total', { cause })).toBe(count);
    expect(stats.cold_starts.evicted).toBeGreaterThan(0);
    expect(sampleValue(samples, 'agent_process_memory_bytes')).toBeGreaterThan(50 * 1024 * 1024);
  });
});

describe('idle agent processes are closed after SESSION_IDLE_TIMEOUT_SECONDS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      SESSION_MAX_CONCURRENT: '2',
      WARM_POOL_SIZE: '0',
      SESSION_IDLE_TIMEOUT_SECONDS: '1',
      SESSION_CLEANUP_INTERVAL_SECONDS: '1',
    });
  });
  afterAll(async () => server?.close());

  it('closes the process without leaving it running, and the session resumes cold', async () => {
    await runTask(server, { task_id: 'idle-1', prompt: '[[script:remember]] remember papaya' });
    const pid = server.agents.livePid('session-idle-1');
    expect(pid).not.toBeNull();
    await waitFor(async () => server.agents.livePid('session-idle-1') === null, 15_000, 100);
    await waitFor(async () => !isAlive(pid!), 10_000, 100);
    expect(server.agents.stats()).toMatchObject({ busy: 0, idle: 0, spare: 0 });
    const resumed = await runTask(server, { task_id: 'idle-2', prompt: '[[script:recall]] still?', session: reuse('session-idle-1') });
    expect(resumed.result).toContain('papaya');
  });
});

describe('the warm pool refills once the claiming task is over', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '3', WARM_POOL_SIZE: '1' });
    await waitFor(async () => server.agents.stats().spare === 1, 30_000);
  });
  afterAll(async () => server?.close());

  it('starts no spare while the task is still finishing (its turn has ended), and one right after', async () => {
    // The task's finish (storing its diff, after the turn) is slowed past the time a spare takes
    // to start (~1.5 s here): a refill begun as the turn ended would be parked by then.
    let spareWhileFinishing: number | null = null;
    const saveTaskDiff = server.store.saveTaskDiff.bind(server.store);
    server.store.saveTaskDiff = async (taskId, diff) => {
      if (taskId === 'refill-held') {
        await new Promise((resolve) => setTimeout(resolve, 5000));
        spareWhileFinishing = server.agents.stats().spare;
      }
      return saveTaskDiff(taskId, diff);
    };
    const done = await runTask(server, { task_id: 'refill-held', prompt: 'hello' });
    expect(done.status).toBe('completed');
    expect(spareWhileFinishing).toBe(0);
    await waitFor(async () => server.agents.stats().spare === 1, 30_000);
  });
});

async function health(server: TestServer): Promise<{ agent_processes: { busy: number; idle: number; spare: number; memory_bytes: number } }> {
  return (await request(server.baseUrl, 'GET', '/health')).body as never;
}
