import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';

/**
 * Forks with two instances on one Redis: a session whose tasks ran anywhere is forked through
 * either instance, and the fork's tasks run on either, with the conversation as of the fork point.
 */
describe('forked sessions across instances (Redis)', () => {
  let pair: InstancePair;
  beforeAll(async () => {
    pair = await startInstancePair('forks', {});
  });
  afterAll(async () => pair?.close());

  const run = async (baseUrl: string, body: Record<string, unknown>) => {
    expect((await request(baseUrl, 'POST', '/api/v1/tasks', body)).status).toBe(201);
    return waitForStatus(baseUrl, String(body.task_id), ['completed', 'failed', 'interrupted', 'timed_out']);
  };

  it('forks on B a session whose tasks were submitted to A, and the fork runs on either', async () => {
    const { a, b } = pair;
    const first = await run(a.baseUrl, { task_id: 'x-1', prompt: '[[script:remember]] remember apple' });
    const second = await run(a.baseUrl, {
      task_id: 'x-2',
      prompt: '[[script:remember]] remember banana',
      session: { reuse_existing: true, session_id: 'session-x-1' },
    });
    expect([first.status, second.status]).toEqual(['completed', 'completed']);

    const forked = await request(b.baseUrl, 'POST', '/api/v1/sessions/session-x-1/fork', { session_id: 'x-fork', at_task_id: 'x-1' });
    expect(forked.status).toBe(201);
    expect(forked.body.forked_from).toEqual({ session_id: 'session-x-1', task_id: 'x-1' });
    // Both instances see the fork at once: it lives in Redis, not in the instance that made it.
    expect((await request(a.baseUrl, 'GET', '/api/v1/sessions/x-fork')).body).toEqual(forked.body);

    for (const [name, server] of [
      ['x-fork-recall-b', b],
      ['x-fork-recall-a', a],
    ] as const) {
      const recalled = await run(server.baseUrl, {
        task_id: name,
        prompt: '[[script:recall]] what was it?',
        session: { reuse_existing: true, session_id: 'x-fork' },
      });
      expect(recalled.status).toBe('completed');
      expect(recalled.result).toContain('remember apple');
      expect(recalled.result).not.toContain('banana');
    }
    const source = await run(b.baseUrl, {
      task_id: 'x-source-recall',
      prompt: '[[script:recall]] and here?',
      session: { reuse_existing: true, session_id: 'session-x-1' },
    });
    expect(source.result).toContain('remember banana');
  });
});
