import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../src/events/event-types.js';
import { collectEvents, request, upgradeStatus, waitFor } from '../helpers/client.js';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';
import { RedisProcess } from '../helpers/redis-process.js';
import { readSse } from '../helpers/sse.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const API_KEY = 'redis-instances-key-0123456789';

function expectGapFree(events: TaskEvent[], from = 1): void {
  expect(events.map((e) => e.seq)).toEqual(Array.from({ length: events.length }, (_, i) => from + i));
  expect(events.at(-1)?.type).toBe('complete');
}

/**
 * Two real instances (each its own app, scheduler, agent processes) on one real redis-server
 * and one WORKSPACE_ROOT: what a client sees must not depend on which one it reaches.
 */
describe('two instances on one Redis', () => {
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;
  const auth = { 'x-api-key': API_KEY };

  beforeAll(async () => {
    pair = await startInstancePair('shared', {
      API_AUTH_ENABLED: 'true',
      API_API_KEY: API_KEY,
      API_RATE_LIMIT_ENABLED: 'true',
      API_RATE_LIMIT_PER_MINUTE: '1000',
    });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('metrics carry the instance label', async () => {
    const text = await (await fetch(a.metricsUrl)).text();
    expect(text).toMatch(/^tasks_total\{[^}]*instance="instance-a"[^}]*\} \d+/m);
    expect(await (await fetch(b.metricsUrl)).text()).toMatch(/instance="instance-b"/);
  });

  it('/health names each instance and reports Redis up', async () => {
    const [ha, hb] = await Promise.all([request(a.baseUrl, 'GET', '/health'), request(b.baseUrl, 'GET', '/health')]);
    expect(ha.status).toBe(200);
    expect(ha.body).toMatchObject({ status: 'healthy', instance_id: 'instance-a', storage: { type: 'redis', status: 'up', reason: null } });
    expect(hb.body).toMatchObject({ status: 'healthy', instance_id: 'instance-b' });
  });

  it('a task submitted to A streams live over WebSocket from B, and replays by seq over SSE from B', async () => {
    const submit = await request(a.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'cross', prompt: '[[script:bash]] [[cmd:sleep 2; echo from-a]]' }, auth);
    expect(submit.status).toBe(201);
    // Connected while the task runs on A: every event reaches B through Redis.
    const live = await collectEvents(
      `${b.wsBase}/ws/tasks/cross?ticket=${(await request<{ ticket: string }>(b.baseUrl, 'POST', '/api/v1/ws-tickets', undefined, auth)).body.ticket}`,
    );
    expect(live.closeCode).toBe(1000);
    expectGapFree(live.events);
    expect(live.events.map((e) => e.type)).toContain('tool_result');
    expect(JSON.stringify(live.events)).toContain('from-a');

    const replay = await readSse(`${b.baseUrl}/api/v1/tasks/cross/events?after=2`, auth);
    expect(replay.status).toBe(200);
    expect(replay.events).toEqual(live.events.slice(2));

    const task = await request<Record<string, unknown>>(b.baseUrl, 'GET', '/api/v1/tasks/cross', undefined, auth);
    expect(task.body).toMatchObject({ task_id: 'cross', status: 'completed', instance_id: 'instance-a' });
    const listed = await request<{ tasks: { task_id: string }[] }>(b.baseUrl, 'GET', '/api/v1/tasks?limit=5', undefined, auth);
    expect(listed.body.tasks.map((t) => t.task_id)).toContain('cross');
  });

  it('a WebSocket subscriber on B sees the events of a task that A is still running, from the start', async () => {
    await request(a.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'late', prompt: '[[script:bash]] [[cmd:sleep 3; echo late]]' }, auth);
    await waitFor(async () => (await request<{ status: string }>(b.baseUrl, 'GET', '/api/v1/tasks/late', undefined, auth)).body.status === 'running');
    const ticket = (await request<{ ticket: string }>(a.baseUrl, 'POST', '/api/v1/ws-tickets', undefined, auth)).body.ticket;
    const live = await collectEvents(`${b.wsBase}/ws/tasks/late?ticket=${ticket}&after=0`);
    expectGapFree(live.events);
  });

  it('a WebSocket ticket minted on A works once, on B', async () => {
    await request(a.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'ticketed', prompt: 'hello' }, auth);
    const { ticket } = (await request<{ ticket: string }>(a.baseUrl, 'POST', '/api/v1/ws-tickets', undefined, auth)).body;
    const first = await collectEvents(`${b.wsBase}/ws/tasks/ticketed?ticket=${ticket}`);
    expectGapFree(first.events);
    expect(await upgradeStatus(`${a.wsBase}/ws/tasks/ticketed?ticket=${ticket}`)).toBe(401);
    expect(await upgradeStatus(`${b.wsBase}/ws/tasks/ticketed?ticket=${ticket}`)).toBe(401);
  });

  it('idempotent submit holds across instances with no race: one task, same body 200, other body 409', async () => {
    const body = { task_id: 'twice', prompt: 'hello twice' };
    const results = await Promise.all([a, b, a, b].map((s) => request(s.baseUrl, 'POST', '/api/v1/tasks', body, auth)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    const conflict = await request<{ error: { code: string } }>(b.baseUrl, 'POST', '/api/v1/tasks', { ...body, prompt: 'other' }, auth);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('TASK_ID_CONFLICT');
  });

  it('sessions are listed and deleted anywhere', async () => {
    const submit = await request<{ session_id: string }>(a.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'sess-task', prompt: 'hello' }, auth);
    await waitFor(async () => (await request<{ status: string }>(b.baseUrl, 'GET', '/api/v1/tasks/sess-task', undefined, auth)).body.status === 'completed');
    const sessions = await request<{ sessions: { session_id: string }[] }>(b.baseUrl, 'GET', '/api/v1/sessions', undefined, auth);
    expect(sessions.body.sessions.map((s) => s.session_id)).toContain(submit.body.session_id);
    expect((await request(b.baseUrl, 'DELETE', `/api/v1/sessions/${submit.body.session_id}`, undefined, auth)).status).toBe(200);
    expect((await request(a.baseUrl, 'GET', `/api/v1/sessions/${submit.body.session_id}`, undefined, auth)).status).toBe(404);
  });
});

describe('rate limits shared across instances', () => {
  let redis: RedisProcess;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    redis = await RedisProcess.start();
    const env = { STORAGE_TYPE: 'redis', STORAGE_REDIS_URL: redis.url, API_RATE_LIMIT_ENABLED: 'true', API_RATE_LIMIT_PER_MINUTE: '5', WARM_POOL_SIZE: '0' };
    a = await startTestServer(env);
    b = await startTestServer(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await redis?.close();
  });

  it('one budget per caller, whichever instance answers', async () => {
    const statuses: number[] = [];
    for (const server of [a, b, a, b, a, b, a]) statuses.push((await request(server.baseUrl, 'GET', '/api/v1/tasks')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });
});

describe('Redis trouble', () => {
  let redis: RedisProcess;
  let server: TestServer;

  beforeAll(async () => {
    redis = await RedisProcess.start();
    // Rate limiting on: its counters are in Redis too, and must not turn an outage into a 500.
    server = await startTestServer({
      STORAGE_TYPE: 'redis',
      STORAGE_REDIS_URL: redis.url,
      API_RATE_LIMIT_ENABLED: 'true',
      API_RATE_LIMIT_PER_MINUTE: '100000',
      WARM_POOL_SIZE: '0',
    });
  });
  afterAll(async () => {
    await server?.close();
    await redis?.close();
  });

  it('a Redis restart while a task runs loses nothing: the task completes, its stream is gap-free, a subscriber resumes by seq', async () => {
    await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'through', prompt: '[[script:bash]] [[cmd:sleep 6; echo survived]]' });
    const events: TaskEvent[] = [];
    // Connected before the outage: it is cut (1011) when Redis goes, and resumes after the last seq it has.
    const first = collectEvents(`${server.wsBase}/ws/tasks/through`);
    await waitFor(async () =>
      (await request<{ events: TaskEvent[] }>(server.baseUrl, 'GET', '/api/v1/tasks/through/events?format=json')).body.events?.some(
        (e) => e.type === 'tool_use',
      ),
    );
    await redis.stop();
    await waitFor(async () => (await request(server.baseUrl, 'GET', '/health')).status === 503);
    await redis.resume();
    const cut = await first;
    events.push(...cut.events);
    await waitFor(async () => (await request(server.baseUrl, 'GET', '/health')).status === 200, 30_000, 200);
    if (cut.closeCode !== 1000) {
      const resumed = await collectEvents(`${server.wsBase}/ws/tasks/through?after=${events.at(-1)?.seq ?? 0}`);
      events.push(...resumed.events);
    }
    expectGapFree(events);
    expect(JSON.stringify(events)).toContain('survived');
    const task = await request<{ status: string }>(server.baseUrl, 'GET', '/api/v1/tasks/through');
    expect(task.body.status).toBe('completed');
    const stored = await request<{ events: TaskEvent[] }>(server.baseUrl, 'GET', '/api/v1/tasks/through/events?format=json&limit=1000');
    expect(stored.body.events).toEqual(events);
  });

  it('answers 503 STORAGE_UNAVAILABLE with Retry-After and /health degraded while Redis is down, and recovers by itself', async () => {
    const done = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'before', prompt: 'hello' });
    expect(done.status).toBe(201);
    await waitFor(async () => (await request<{ status: string }>(server.baseUrl, 'GET', '/api/v1/tasks/before')).body.status === 'completed');

    await redis.stop();
    const health = await waitFor(async () => {
      const h = await request<{ status: string; storage: { status: string; reason: string | null } }>(server.baseUrl, 'GET', '/health');
      return h.body.status === 'degraded' ? h : null;
    });
    expect(health.status).toBe(503);
    expect(health.body.storage).toMatchObject({ status: 'down', reason: expect.any(String) });

    for (const [method, url, body] of [
      ['GET', '/api/v1/tasks/before', undefined],
      ['GET', '/api/v1/tasks', undefined],
      ['POST', '/api/v1/tasks', { task_id: 'during', prompt: 'hello' }],
      ['POST', '/api/v1/ws-tickets', undefined],
    ] as const) {
      const response = await request<{ error: { code: string; message: string } }>(server.baseUrl, method, url, body);
      expect(response.status, `${method} ${url}`).toBe(503);
      expect(response.body.error.code).toBe('STORAGE_UNAVAILABLE');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }

    await redis.resume();
    await waitFor(async () => (await request(server.baseUrl, 'GET', '/health')).status === 200, 30_000, 200);
    const after = await request<{ status: string }>(server.baseUrl, 'GET', '/api/v1/tasks/before');
    expect(after.status).toBe(200);
    expect(after.body.status).toBe('completed');
    // Nothing from the outage was half-written: the refused submit left no task behind.
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks/during')).status).toBe(404);
    // As a client would: a 503 (with Retry-After) while the queue's own connection is still
    // reconnecting is retried; what counts is that the service recovers by itself.
    const again = await waitFor(async () => {
      const response = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'after', prompt: 'hello' });
      return response.status === 503 ? null : response;
    });
    expect(again.status).toBe(201);
    await waitFor(async () => (await request<{ status: string }>(server.baseUrl, 'GET', '/api/v1/tasks/after')).body.status === 'completed').catch(
      async (e) => {
        console.log(JSON.stringify((await request(server.baseUrl, 'GET', '/api/v1/tasks/after')).body));
        console.log(
          server.logs
            .filter((l) => l.level !== 'DEBUG')
            .slice(-30)
            .map((l) => JSON.stringify(l))
            .join('\n'),
        );
        throw e;
      },
    );
  });
});
