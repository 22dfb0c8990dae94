import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('concurrency bound and queue (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '1', TASK_QUEUE_MAX: '2' });
  });
  afterAll(async () => server?.close());

  const post = (body: Record<string, unknown>) => request(server.baseUrl, 'POST', '/api/v1/tasks', body);

  it('runs at most SESSION_MAX_CONCURRENT tasks, queues the rest FIFO, and refuses past TASK_QUEUE_MAX with 429', async () => {
    expect((await post({ task_id: 'c-1', prompt: '[[script:slow]]' })).body.status).toBe('running');
    expect((await post({ task_id: 'c-2', prompt: 'second' })).body.status).toBe('queued');
    expect((await post({ task_id: 'c-3', prompt: 'third' })).body.status).toBe('queued');

    const refused = await post({ task_id: 'c-4', prompt: 'fourth' });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ error: { code: 'QUEUE_FULL', message: 'Maximum concurrent sessions reached' } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks/c-4')).status).toBe(404);

    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.body).toMatchObject({ active_tasks: 1, queued_tasks: 2 });

    await request(server.baseUrl, 'POST', '/api/v1/tasks/c-1/interrupt');
    const second = await waitForStatus(server.baseUrl, 'c-2', ['completed']);
    const third = await waitForStatus(server.baseUrl, 'c-3', ['completed']);
    expect(Date.parse(String(third.started_at))).toBeGreaterThanOrEqual(Date.parse(String(second.completed_at)));
    await waitFor(async () => (await request(server.baseUrl, 'GET', '/health')).body.queued_tasks === 0);
    expect((await post({ task_id: 'c-5', prompt: 'room again' })).status).toBe(201);
    await waitForStatus(server.baseUrl, 'c-5', ['completed']);
  });
});
