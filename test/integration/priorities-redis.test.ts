import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';

/** Two instances on one Redis share one queue, so priority orders the work of both. */
describe('task priorities across two instances on one Redis (real SDK and CLI)', () => {
  let pair: InstancePair;
  beforeAll(async () => {
    pair = await startInstancePair('prio', { SESSION_MAX_CONCURRENT: '1' });
  });
  afterAll(async () => pair?.close());

  it('the instance that frees a slot takes the highest priority waiting, whichever instance it was submitted to', async () => {
    const { a, b } = pair;
    const post = (baseUrl: string, body: Record<string, unknown>) => request(baseUrl, 'POST', '/api/v1/tasks', body);
    // One blocker per instance: both slots are busy.
    await post(a.baseUrl, { task_id: 'block-1', prompt: '[[script:slow]]' });
    await waitForStatus(a.baseUrl, 'block-1', ['running']);
    await post(b.baseUrl, { task_id: 'block-2', prompt: '[[script:slow]]' });
    await waitForStatus(a.baseUrl, 'block-2', ['running']);

    for (const [server, body] of [
      [a, { task_id: 'r1', prompt: 'priority one', options: { priority: 1 } }],
      [b, { task_id: 'r5', prompt: 'priority five', options: { priority: 5 } }],
      [a, { task_id: 'r9', prompt: 'priority nine', options: { priority: 9 } }],
    ] as const) {
      const answer = await post(server.baseUrl, body);
      expect(answer.status).toBe(201);
      expect(answer.body.status).toBe('queued');
    }
    expect((await request(b.baseUrl, 'GET', '/api/v1/tasks/r1')).body).toMatchObject({ options: { priority: 1 } });

    await request(b.baseUrl, 'POST', '/api/v1/tasks/block-1/interrupt');
    const r9 = await waitForStatus(a.baseUrl, 'r9', ['running', 'completed']);
    await request(a.baseUrl, 'POST', '/api/v1/tasks/block-2/interrupt');
    const r5 = await waitForStatus(b.baseUrl, 'r5', ['running', 'completed']);
    const r1 = await waitForStatus(b.baseUrl, 'r1', ['completed']);
    expect((await request(a.baseUrl, 'GET', '/api/v1/tasks/r1')).body.status).toBe('completed');

    const started = (task: Record<string, unknown>) => Date.parse(String(task.started_at));
    expect(started(r9)).toBeLessThanOrEqual(started(r5));
    expect(started(r5)).toBeLessThanOrEqual(started(r1));
    // r1 only started once a slot was free again: after r9 or r5 had finished.
    const [final9, final5] = [await waitForStatus(a.baseUrl, 'r9', ['completed']), await waitForStatus(a.baseUrl, 'r5', ['completed'])];
    expect(started(r1)).toBeGreaterThanOrEqual(Math.min(Date.parse(String(final9.completed_at)), Date.parse(String(final5.completed_at))));
  });
});
