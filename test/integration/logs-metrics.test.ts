import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as R from '../../src/http/response-schemas.js';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { sampleValue, scrape } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'];

type Task = z.infer<typeof R.taskSchema>;

/** Parses strictly: the documented fields with their types, and no undocumented top-level field. */
function conforms<S extends z.ZodObject>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.parse(value);
  expect(Object.keys(value as object).sort()).toEqual(
    Object.keys(schema.shape)
      .filter((k) => k in (value as object))
      .sort(),
  );
  return parsed;
}

function linesFor(server: TestServer, taskId: string): Record<string, unknown>[] {
  return server.logs.filter((l) => l.task_id === taskId);
}

describe('logs, metrics and response shapes after a known set of tasks', () => {
  let server: TestServer;
  const finished: Record<string, Task> = {};

  beforeAll(async () => {
    server = await startTestServer();
    const submit = async (task_id: string, prompt: string) => {
      const answer = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id, prompt });
      expect(answer.status).toBe(201);
      conforms(R.submitTaskResponseSchema, answer.body);
    };
    await submit('ok-1', 'say hello to the metrics');
    await submit('ok-2', 'say hello again');
    await submit('fails', '[[script:api-error]]');
    await submit('interrupted', '[[script:slow]]');
    await waitFor(async () => server.model.requests.some((r) => r.script === 'slow'));
    const interrupt = await request(server.baseUrl, 'POST', '/api/v1/tasks/interrupted/interrupt');
    expect(interrupt.status).toBe(200);
    for (const [id, statuses] of [
      ['ok-1', ['completed']],
      ['ok-2', ['completed']],
      ['fails', ['failed']],
      ['interrupted', ['interrupted']],
    ] as const) {
      finished[id] = conforms(R.taskSchema, await waitForStatus(server.baseUrl, id, [...statuses]));
    }
    for (let i = 0; i < 3; i++) expect((await request(server.baseUrl, 'GET', `/no/such/route/${i}`)).status).toBe(404);
  });
  afterAll(async () => server?.close());

  describe('log lines (JSON, the seed format)', () => {
    it('has timestamp, level, logger and message first on every line', () => {
      expect(server.logs.length).toBeGreaterThan(20);
      for (const line of server.logs) {
        expect(Object.keys(line).slice(0, 4)).toEqual(['timestamp', 'level', 'logger', 'message']);
        expect(line.timestamp).toMatch(ISO_TIMESTAMP);
        expect(new Date(String(line.timestamp)).toISOString()).toBe(line.timestamp);
        expect(LEVELS).toContain(line.level);
        expect(line.logger).toMatch(/^claude_code_server(\.[a-z_]+)*$/);
        expect(typeof line.message).toBe('string');
        expect(String(line.message).length).toBeGreaterThan(0);
      }
    });

    it('logs each task’s lifecycle with its task_id, and duration_ms and tokens_used on completion', () => {
      for (const id of ['ok-1', 'ok-2']) {
        const task = finished[id]!;
        const lines = linesFor(server, id);
        const messages = lines.map((l) => l.message);
        expect(messages).toEqual(expect.arrayContaining(['Task submitted', 'Task started', 'Task completed']));
        expect(messages.indexOf('Task submitted')).toBeLessThan(messages.indexOf('Task started'));
        expect(messages.indexOf('Task started')).toBeLessThan(messages.indexOf('Task completed'));
        for (const line of lines.filter((l) => String(l.message).startsWith('Task '))) {
          expect(line).toMatchObject({ logger: 'claude_code_server.tasks', task_id: id, session_id: `session-${id}` });
        }
        const completed = lines.find((l) => l.message === 'Task completed')!;
        expect(completed).toMatchObject({ level: 'INFO', status: 'completed', num_turns: task.num_turns, cost_usd: task.cost_usd });
        expect(completed.duration_ms).toBe(task.duration_ms);
        expect(completed.duration_ms).toEqual(expect.any(Number));
        expect(completed.tokens_used).toBe(task.usage.input_tokens + task.usage.output_tokens);
        expect(completed.tokens_used).toBeGreaterThan(0);
      }
      const failed = linesFor(server, 'fails').find((l) => l.message === 'Task failed');
      expect(failed).toMatchObject({ level: 'WARN', logger: 'claude_code_server.tasks', status: 'failed', error_code: 'AGENT_API_ERROR' });
      expect(failed?.duration_ms).toEqual(expect.any(Number));
      expect(failed?.tokens_used).toEqual(expect.any(Number));
      const interrupted = linesFor(server, 'interrupted').find((l) => l.message === 'Task interrupted');
      expect(interrupted).toMatchObject({ level: 'WARN', status: 'interrupted', error_code: 'TASK_INTERRUPTED' });
    });

    it('logs every request with the request id it returned in X-Request-Id', async () => {
      const own = await request(server.baseUrl, 'GET', '/api/v1/tasks/ok-1', undefined, { 'x-request-id': 'log-check-123' });
      expect(own.headers.get('x-request-id')).toBe('log-check-123');
      const generated = await request(server.baseUrl, 'GET', '/api/v1/tasks/nope');
      const generatedId = generated.headers.get('x-request-id');
      const line = await waitFor(async () => server.logs.find((l) => l.request_id === 'log-check-123'));
      expect(line).toMatchObject({
        level: 'INFO',
        logger: 'claude_code_server.http',
        message: 'Request handled',
        method: 'GET',
        path: '/api/v1/tasks/ok-1',
        status_code: 200,
        duration_ms: expect.any(Number),
      });
      const other = await waitFor(async () => server.logs.find((l) => l.request_id === generatedId));
      expect(other).toMatchObject({ message: 'Request handled', path: '/api/v1/tasks/nope', status_code: 404 });
      for (const handled of server.logs.filter((l) => l.message === 'Request handled')) {
        expect(handled.request_id).toEqual(expect.any(String));
      }
    });

    it('never logs the model key', () => {
      const text = JSON.stringify(server.logs);
      expect(text).not.toContain(server.config.claude.apiKey);
    });
  });

  describe('Prometheus metrics on METRICS_PORT', () => {
    it('counts tasks by final status, with their durations, tokens and cost', async () => {
      const samples = await scrape(server.metricsUrl);
      expect(sampleValue(samples, 'tasks_total', { status: 'completed' })).toBe(2);
      expect(sampleValue(samples, 'tasks_total', { status: 'failed' })).toBe(1);
      expect(sampleValue(samples, 'tasks_total', { status: 'interrupted' })).toBe(1);
      expect(sampleValue(samples, 'tasks_total', { status: 'timed_out' })).toBe(0);
      expect(sampleValue(samples, 'tasks_duration_seconds_count', { status: 'completed' })).toBe(2);
      expect(sampleValue(samples, 'tasks_duration_seconds_count', { status: 'failed' })).toBe(1);
      expect(sampleValue(samples, 'tasks_duration_seconds_count', { status: 'interrupted' })).toBe(1);
      const completedSeconds = (finished['ok-1']!.duration_ms! + finished['ok-2']!.duration_ms!) / 1000;
      expect(sampleValue(samples, 'tasks_duration_seconds_sum', { status: 'completed' })).toBeCloseTo(completedSeconds, 6);
      expect(sampleValue(samples, 'tasks_duration_seconds_bucket', { status: 'completed', le: '3600' })).toBe(2);
      expect(sampleValue(samples, 'tasks_duration_seconds_bucket', { status: 'completed', le: '+Inf' })).toBe(2);

      const all = Object.values(finished);
      const input = all.reduce((n, t) => n + t.usage.input_tokens, 0);
      const output = all.reduce((n, t) => n + t.usage.output_tokens, 0);
      expect(input).toBeGreaterThan(0);
      expect(sampleValue(samples, 'tokens_used_total', { type: 'input' })).toBe(input);
      expect(sampleValue(samples, 'tokens_used_total', { type: 'output' })).toBe(output);
      const cost = all.reduce((n, t) => n + t.cost_usd, 0);
      expect(cost).toBeGreaterThan(0);
      expect(sampleValue(samples, 'task_cost_usd_total')).toBeCloseTo(cost, 9);
    });

    it('counts HTTP requests by route pattern, never by raw URL', async () => {
      const samples = await scrape(server.metricsUrl);
      expect(sampleValue(samples, 'http_requests_total', { method: 'POST', route: '/api/v1/tasks', status_code: '201' })).toBe(4);
      expect(sampleValue(samples, 'http_requests_total', { method: 'POST', route: '/api/v1/tasks/:task_id/interrupt', status_code: '200' })).toBe(1);
      expect(sampleValue(samples, 'http_requests_total', { method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(3);
      expect(sampleValue(samples, 'http_requests_total', { method: 'GET', route: '/api/v1/tasks/:task_id', status_code: '200' })).toBeGreaterThanOrEqual(4);
      expect(samples.filter((s) => s.name === 'http_requests_total').every((s) => !/ok-1|no\/such/.test(s.labels.route!))).toBe(true);
      expect(sampleValue(samples, 'http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/tasks', status_code: '201' })).toBe(4);
    });

    it('reads the gauges live: sessions, queue, running tasks, subscribers', async () => {
      const samples = await waitFor(async () => {
        const s = await scrape(server.metricsUrl);
        return sampleValue(s, 'websocket_subscribers') === 0 ? s : undefined;
      });
      expect(sampleValue(samples, 'active_sessions')).toBe(4);
      expect(sampleValue(samples, 'task_queue_depth')).toBe(0);
      expect(sampleValue(samples, 'tasks_running')).toBe(0);
      // The standard process metrics are in the same registry.
      expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    });

    it('follows a live stream in websocket_subscribers', async () => {
      const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'watched', prompt: '[[script:slow]]' });
      expect(submitted.status).toBe(201);
      const sse = await fetch(`${server.baseUrl}/api/v1/tasks/watched/events`);
      await waitFor(async () => sampleValue(await scrape(server.metricsUrl), 'websocket_subscribers') === 1);
      expect(sampleValue(await scrape(server.metricsUrl), 'active_sessions')).toBe(5);
      await request(server.baseUrl, 'POST', '/api/v1/tasks/watched/interrupt');
      await sse.text();
      await waitFor(async () => sampleValue(await scrape(server.metricsUrl), 'websocket_subscribers') === 0);
      expect(sampleValue(await scrape(server.metricsUrl), 'tasks_total', { status: 'interrupted' })).toBe(2);
    });

    it('is served only on the metrics port, and only at /metrics', async () => {
      const onApi = await request(server.baseUrl, 'GET', '/metrics');
      expect(onApi.status).toBe(404);
      expect(onApi.body).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
      const response = await fetch(server.metricsUrl);
      expect(response.headers.get('content-type')).toContain('text/plain');
      expect((await fetch(server.metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
    });
  });

  describe('answers match the documented response schemas', () => {
    it('health, lists, sessions, events and errors', async () => {
      conforms(R.healthSchema, (await request(server.baseUrl, 'GET', '/health')).body);
      const list = conforms(R.taskListSchema, (await request(server.baseUrl, 'GET', '/api/v1/tasks?limit=2')).body);
      expect(list.next_cursor).toEqual(expect.any(String));
      for (const task of list.tasks) conforms(R.taskSchema, task);
      const sessions = conforms(R.sessionListSchema, (await request(server.baseUrl, 'GET', '/api/v1/sessions?status=all')).body);
      for (const session of sessions.sessions) conforms(R.sessionSchema, session);
      conforms(R.sessionSchema, (await request(server.baseUrl, 'GET', '/api/v1/sessions/session-ok-1')).body);

      for (const id of Object.keys(finished)) {
        const page = conforms(R.eventPageSchema, (await request(server.baseUrl, 'GET', `/api/v1/tasks/${id}/events?format=json`)).body);
        expect(page.events.at(-1)?.type).toBe('complete');
        for (const event of page.events) {
          const variant = R.taskEventSchema.options.find((o) => o.shape.type.value === event.type)!;
          conforms(variant, event);
          conforms(variant.shape.data as z.ZodObject, event.data);
        }
      }

      for (const [method, url, body] of [
        ['GET', '/api/v1/tasks/nope', undefined],
        ['POST', '/api/v1/tasks', { prompt: 1, extra: true }],
        ['POST', '/api/v1/tasks/ok-1/interrupt', undefined],
      ] as const) {
        const answer = await request(server.baseUrl, method, url, body);
        expect(answer.status).toBeGreaterThanOrEqual(400);
        conforms(R.errorResponseSchema, answer.body);
      }

      const deleted = await request(server.baseUrl, 'DELETE', '/api/v1/sessions/session-ok-2');
      conforms(R.deletedSessionSchema, deleted.body);
    });
  });
});

describe('SERVER_LOG_LEVEL', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SERVER_LOG_LEVEL: 'WARNING' });
  });
  afterAll(async () => server?.close());

  it('drops lines below the level (WARNING = WARN)', async () => {
    expect(server.config.server.logLevel).toBe('WARN');
    await request(server.baseUrl, 'GET', '/health');
    await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'quiet-fail', prompt: '[[script:api-error]]' });
    await waitForStatus(server.baseUrl, 'quiet-fail', ['failed']);
    const failed = await waitFor(async () => server.logs.find((l) => l.message === 'Task failed'));
    expect(failed).toMatchObject({ level: 'WARN', task_id: 'quiet-fail', error_code: 'AGENT_API_ERROR' });
    expect(server.logs.filter((l) => l.level === 'INFO' || l.level === 'DEBUG')).toEqual([]);
    expect(server.logs.some((l) => l.message === 'Request handled' || l.message === 'Task submitted')).toBe(false);
  });
});
