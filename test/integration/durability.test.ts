import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { DaemonFleet } from '../helpers/daemon-process.js';
import { childPids, isAlive } from '../helpers/processes.js';
import { readSse } from '../helpers/sse.js';

describe('durability: restart, kill -9 and replay across processes (sqlite, the default)', () => {
  let model: ScriptedModel;
  let dir: string;
  let env: Record<string, string>;
  const fleet = new DaemonFleet();
  const start = (extra: Record<string, string> = {}) => fleet.start({ ...env, ...extra }, { dir });

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-durable-'));
    // Status polls every 50 ms would exceed the rate limit while a resume runs on a loaded machine.
    // No spare CLI per start: none of these cases is about warm starts.
    env = {
      CLAUDE_API_KEY: 'test-key-durable',
      CLAUDE_BASE_URL: model.url,
      SESSION_MAX_CONCURRENT: '1',
      API_RATE_LIMIT_ENABLED: 'false',
      WARM_POOL_SIZE: '0',
    };
  });
  afterAll(async () => {
    await fleet.killAll();
    await model?.close();
  });

  let firstRunEvents: Awaited<ReturnType<typeof collectEvents>>['events'] = [];
  let orphanCandidates: number[] = [];

  it('kill -9 during a running task leaves no agent process behind', async () => {
    const a = await start();
    const post = (body: Record<string, unknown>) => request(a.baseUrl, 'POST', '/api/v1/tasks', body);
    expect((await post({ task_id: 'done', prompt: '[[script:write-file]]' })).status).toBe(201);
    firstRunEvents = (await collectEvents(`${a.wsBase}/ws/tasks/done`)).events;
    expect((await post({ task_id: 'mem', prompt: '[[script:remember]] remember kumquat' })).status).toBe(201);
    await waitForStatus(a.baseUrl, 'mem', ['completed']);
    expect((await post({ task_id: 'running', prompt: '[[script:slow]]' })).status).toBe(201);
    expect((await post({ task_id: 'queued', prompt: 'wait for me' })).body.status).toBe('queued');
    await waitForStatus(a.baseUrl, 'running', ['running']);
    orphanCandidates = await waitFor(async () => {
      const pids = childPids(a.child.pid!);
      return pids.length > 0 ? pids : undefined;
    });

    await a.stop('SIGKILL');
    await waitFor(async () => orphanCandidates.every((pid) => !isAlive(pid)), 10_000, 100);
  });

  it('after a restart: finished tasks are kept, the running one is interrupted, the queued one runs', async () => {
    const b = await start();
    const done = await request(b.baseUrl, 'GET', '/api/v1/tasks/done');
    expect(done.body).toMatchObject({ status: 'completed', result: expect.stringContaining('hello') });

    const running = await request(b.baseUrl, 'GET', '/api/v1/tasks/running');
    expect(running.body).toMatchObject({ status: 'interrupted', error: { code: 'SERVER_RESTARTED' } });
    const { events } = await collectEvents(`${b.wsBase}/ws/tasks/running`);
    expect(events.slice(-2).map((e) => e.type)).toEqual(['error', 'complete']);
    expect(events.at(-1)?.data).toMatchObject({ status: 'interrupted' });
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));

    const queued = await waitForStatus(b.baseUrl, 'queued', ['completed', 'failed']);
    expect(queued.status).toBe('completed');
  });

  it('replays exactly the events after a given seq across the restart, over WebSocket and SSE', async () => {
    const b = fleet.started.at(-1)!;
    expect(firstRunEvents.length).toBeGreaterThan(3);
    const ws = await collectEvents(`${b.wsBase}/ws/tasks/done?after=2`);
    expect(ws.events).toEqual(firstRunEvents.slice(2));
    const sse = await readSse(`${b.baseUrl}/api/v1/tasks/done/events`, { 'last-event-id': '2' });
    expect(sse.status).toBe(200);
    expect(sse.events).toEqual(firstRunEvents.slice(2));
    expect(sse.ids).toEqual(firstRunEvents.slice(2).map((e) => String(e.seq)));
    const json = await request<{ events: unknown[]; has_more: boolean; next_after: number }>(
      b.baseUrl,
      'GET',
      '/api/v1/tasks/done/events?format=json&after=1&limit=2',
    );
    expect(json.body).toEqual({ task_id: 'done', events: firstRunEvents.slice(1, 3), next_after: 3, has_more: true });
    // Reconnecting after `complete` is told the stream is over (EventSource stops on 204).
    const over = await fetch(`${b.baseUrl}/api/v1/tasks/done/events`, { headers: { 'last-event-id': String(firstRunEvents.length) } });
    expect(over.status).toBe(204);
  });

  it('continues a session whose process died: the conversation is remembered', async () => {
    const b = fleet.started.at(-1)!;
    await request(b.baseUrl, 'POST', '/api/v1/tasks', {
      task_id: 'recall',
      prompt: '[[script:recall]] what was it?',
      session: { reuse_existing: true, session_id: 'session-mem' },
    });
    const recalled = await waitForStatus(b.baseUrl, 'recall', ['completed', 'failed']);
    expect(recalled.result).toContain('kumquat');
  });

  it('on SIGTERM refuses new tasks, interrupts what outlives the grace period, records it and exits 0', async () => {
    await fleet.started.at(-1)!.stop('SIGTERM');
    const c = await start({ SHUTDOWN_GRACE_SECONDS: '2' });
    await request(c.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'term', prompt: '[[script:slow]]' });
    await waitForStatus(c.baseUrl, 'term', ['running']);
    const streamed = collectEvents(`${c.wsBase}/ws/tasks/term`);
    c.child.kill('SIGTERM');
    await waitFor(async () => c.stdout().includes('Shutting down'));
    const refused = await request(c.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'late', prompt: 'too late' });
    expect(refused.status).toBe(503);
    expect((refused.body.error as { code: string }).code).toBe('SHUTTING_DOWN');
    expect(await c.exited).toBe(0);
    const { events } = await streamed;
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'interrupted' } });

    const d = await start();
    const term = await request(d.baseUrl, 'GET', '/api/v1/tasks/term');
    expect(term.body).toMatchObject({ status: 'interrupted', error: { code: 'TASK_INTERRUPTED' } });
    expect((await request(d.baseUrl, 'GET', '/api/v1/tasks/late')).status).toBe(404);
  });
});
