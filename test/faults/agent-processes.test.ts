import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { isAlive } from '../helpers/processes.js';
import { liveClaudeChildren, sampleClaudeChildren } from '../helpers/process-sampler.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const TERMINAL = ['completed', 'failed', 'interrupted', 'timed_out'];
const reuse = (sessionId: string) => ({ reuse_existing: true, session_id: sessionId });

async function runTask(server: TestServer, body: Record<string, unknown>, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', body);
  expect(submitted.status).toBe(201);
  return waitForStatus(server.baseUrl, String(submitted.body.task_id), TERMINAL, timeoutMs);
}

/** Every CLI child of this process is one the server accounts for: nothing orphaned, nothing hidden. */
async function expectNoOrphans(server: TestServer): Promise<void> {
  await waitFor(async () => {
    const { busy, idle, spare, exiting } = server.agents.stats();
    return exiting === 0 && liveClaudeChildren().length === busy + idle + spare;
  }, 20_000);
}

describe('agent processes that die are supervised (issue 9, items 4 and 5)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '3', WARM_POOL_SIZE: '1' });
  });
  afterAll(async () => server?.close());

  it('a session whose process was killed while idle resumes in a fresh process, and the client sees no error', async () => {
    expect((await runTask(server, { task_id: 'idle-kill-1', prompt: '[[script:remember]] remember quince' })).status).toBe('completed');
    const pid = server.agents.livePid('session-idle-kill-1');
    expect(pid).not.toBeNull();
    const before = server.agents.stats();
    process.kill(pid!, 'SIGKILL');
    // Noticed without any task asking: the session no longer claims a live process.
    await waitFor(async () => server.agents.livePid('session-idle-kill-1') === null, 10_000);

    const next = await runTask(server, { task_id: 'idle-kill-2', prompt: '[[script:recall]] what was it?', session: reuse('session-idle-kill-1') });
    expect(next).toMatchObject({ status: 'completed', error: null, result: expect.stringContaining('quince') });
    const after = server.agents.stats();
    expect(after.cold_starts.process_died).toBe(before.cold_starts.process_died + 1);
    expect(server.agents.livePid('session-idle-kill-1')).not.toBe(pid);
    await expectNoOrphans(server);
  });

  it('a process killed just before its next task (not noticed yet) costs the client nothing either', async () => {
    const pid = server.agents.livePid('session-idle-kill-1');
    expect(pid).not.toBeNull();
    // Submitted in the same tick as the kill, so the task may reach the dead process first.
    process.kill(pid!, 'SIGKILL');
    const next = await runTask(server, { task_id: 'idle-kill-3', prompt: '[[script:recall]] and now?', session: reuse('session-idle-kill-1') });
    expect(next).toMatchObject({ status: 'completed', error: null, result: expect.stringContaining('quince') });
    await expectNoOrphans(server);
  });

  it('a process killed while busy fails its task with a clear code, ends the stream, and leaves no orphan', async () => {
    const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'busy-kill', prompt: '[[script:slow]]' });
    expect(submitted.status).toBe(201);
    const streamed = collectEvents(`${server.wsBase}/ws/tasks/busy-kill`);
    await waitForStatus(server.baseUrl, 'busy-kill', ['running']);
    await waitFor(async () => server.model.requests.some((r) => r.script === 'slow'));
    const pid = server.agents.livePid('session-busy-kill');
    expect(pid).not.toBeNull();
    process.kill(pid!, 'SIGKILL');

    const { events } = await streamed;
    expect(events.find((e) => e.type === 'error')?.data).toMatchObject({ code: 'AGENT_PROCESS_FAILED' });
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed' } });
    expect(await waitForStatus(server.baseUrl, 'busy-kill', TERMINAL)).toMatchObject({ status: 'failed', error: { code: 'AGENT_PROCESS_FAILED' } });
    await waitFor(async () => !isAlive(pid!), 10_000);
    await expectNoOrphans(server);
    // The server is still healthy and the session still works.
    expect((await request(server.baseUrl, 'GET', '/health')).status).toBe(200);
    const after = await runTask(server, { task_id: 'busy-kill-after', prompt: 'hello', session: reuse('session-busy-kill') });
    expect(after.status, JSON.stringify(after.error)).toBe('completed');
  });

  // Does not depend on SESSION_MAX_CONCURRENT, so it runs once, on this server.
  it('a session whose conversation was never stored (its first turn killed early) starts a new one instead of failing', async () => {
    const first = await runTask(server, { task_id: 'unstored-1', prompt: 'hello' });
    expect(first.status).toBe('completed');
    // As if the first turn's process died before the CLI stored a line of it: the session names an SDK session no store has.
    server.agents.closeSession('session-unstored-1');
    await server.store.updateSession('session-unstored-1', { sdk_session_id: '00000000-0000-4000-8000-000000000000' });
    const next = await runTask(server, { task_id: 'unstored-2', prompt: 'hello again', session: reuse('session-unstored-1') });
    expect(next.status, JSON.stringify(next.error)).toBe('completed');
    const session = await server.store.getSession('session-unstored-1');
    expect(session?.sdk_session_id).not.toBe('00000000-0000-4000-8000-000000000000');
  });
});

// One bound: the accounting does not depend on its value, and 3 (7 sessions, 2 spares) interleaves
// more starts, evictions and exits than 2 did (whose burst cost about eight agent starts and 17 s of the suite).
describe.each([3])('SESSION_MAX_CONCURRENT=%i bounds agent processes at every instant', (limit) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: String(limit), WARM_POOL_SIZE: '2' });
  });
  afterAll(async () => server?.close());

  it('busy, idle, spare and exiting processes together never exceed the limit through a burst', async () => {
    const sampler = sampleClaudeChildren();
    // New sessions, reused ones and closed ones, all at once: spares are claimed and refilled,
    // idle processes are evicted, and deleted sessions' processes exit while others start.
    const tasks: Promise<Record<string, unknown>>[] = [];
    for (let i = 0; i < 2 * limit + 1; i++)
      tasks.push(runTask(server, { task_id: `burst-${limit}-${i}`, prompt: `[[script:remember]] remember item ${i}` }, 120_000));
    const first = await Promise.all(tasks);
    const second = await Promise.all(
      first.map((_, i) =>
        i % 2 === 0
          ? runTask(
              server,
              { task_id: `burst-${limit}-${i}-again`, prompt: '[[script:recall]] which?', session: reuse(`session-burst-${limit}-${i}`) },
              120_000,
            )
          : request(server.baseUrl, 'DELETE', `/api/v1/sessions/session-burst-${limit}-${i}`).then((): Record<string, unknown> => ({
              status: 'completed',
              error: null,
            })),
      ),
    );
    // Until the deleted sessions' processes are gone (idle ones then hold every slot, so no spare refills).
    await waitFor(async () => server.agents.stats().exiting === 0, 30_000);
    const { peak, samples } = sampler.stop();

    expect(
      [...first, ...second].map((t) => t.status),
      JSON.stringify([...first, ...second].map((t) => t.error)),
    ).toEqual(Array(first.length + second.length).fill('completed'));
    expect(samples).toBeGreaterThan(10);
    // The sampler did see processes come and go; the bound held throughout.
    expect(peak).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThanOrEqual(limit);
    await expectNoOrphans(server);
  }, 300_000);
});
