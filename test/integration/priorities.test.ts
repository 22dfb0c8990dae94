import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('task priorities through the API (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '1' });
  });
  afterAll(async () => server?.close());

  const post = (body: Record<string, unknown>) => request(server.baseUrl, 'POST', '/api/v1/tasks', body);

  it('refuses a priority that is not an integer from 0 to 9 with 400 VALIDATION_ERROR, and stores nothing', async () => {
    for (const priority of [10, -1, 2.5, '9', null, true]) {
      const refused = await post({ task_id: 'bad-priority', prompt: 'x', options: { priority } });
      expect(refused.status, `priority ${JSON.stringify(priority)}`).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
      const details = (refused.body as { error: { details?: { path: string }[] } }).error.details ?? [];
      expect(details.map((d) => d.path)).toContain('options.priority');
    }
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks/bad-priority')).status).toBe(404);
  });

  it('starts queued tasks by priority, highest first (9, 5, 1), and shows each priority on the record', async () => {
    expect((await post({ task_id: 'blocker', prompt: '[[script:slow]]' })).body.status).toBe('running');
    const queued = [
      { task_id: 'p1', prompt: 'priority one', options: { priority: 1 } },
      { task_id: 'p5', prompt: 'priority default' },
      { task_id: 'p9', prompt: 'priority nine', options: { priority: 9 } },
    ];
    for (const body of queued) {
      const answer = await post(body);
      expect(answer.status).toBe(201);
      expect(answer.body.status).toBe('queued');
    }
    const p5 = await request<{ options: { priority: number } }>(server.baseUrl, 'GET', '/api/v1/tasks/p5');
    expect(p5.body.options.priority).toBe(5);
    const p9 = await request<{ options: { priority: number } }>(server.baseUrl, 'GET', '/api/v1/tasks/p9');
    expect(p9.body.options.priority).toBe(9);

    await request(server.baseUrl, 'POST', '/api/v1/tasks/blocker/interrupt');
    const done = [];
    for (const id of ['p9', 'p5', 'p1']) done.push(await waitForStatus(server.baseUrl, id, ['completed']));
    const starts = done.map((task) => Date.parse(String(task.started_at)));
    const ends = done.map((task) => Date.parse(String(task.completed_at)));
    // One slot: each starts only after the one before it has finished.
    for (let i = 1; i < done.length; i++) expect(starts[i]!).toBeGreaterThanOrEqual(ends[i - 1]!);
    expect(done.map((task) => (task.options as { priority: number }).priority)).toEqual([9, 5, 1]);
  });

  it('lists tasks with their priority, and the OpenAPI document describes it', async () => {
    const list = await request<{ tasks: { task_id: string; options: { priority: number } }[] }>(server.baseUrl, 'GET', '/api/v1/tasks?limit=500');
    expect(list.body.tasks.find((t) => t.task_id === 'p1')?.options.priority).toBe(1);
    const doc = await request<{ components: { schemas: Record<string, { properties: Record<string, unknown> }> } }>(server.baseUrl, 'GET', '/openapi.json');
    expect(doc.body.components.schemas.TaskOptions?.properties.priority).toMatchObject({ type: 'integer', minimum: 0, maximum: 9 });
  });
});
