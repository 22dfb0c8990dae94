import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';

type Body = Record<string, unknown> & { error?: { code: string } };

describe('triggers on two instances sharing one Redis', () => {
  let pair: InstancePair;
  const FIRE_LIMIT = 4;
  const call = (base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => request<Body>(base, method, p, body, headers);
  const fire = (base: string, id: string, token: string, body: unknown = {}) =>
    call(base, 'POST', `/api/v1/triggers/${id}/fire`, body, { authorization: `Bearer ${token}` });

  beforeAll(async () => {
    pair = await startInstancePair(`trg${Date.now()}`, { TRIGGER_FIRE_RATE_PER_MINUTE: String(FIRE_LIMIT) });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('a trigger made on A fires on B; a rotation on B retires the old token on A at once; a delete on A is seen by B', async () => {
    const { a, b } = pair;
    const created = await call(a.baseUrl, 'POST', '/api/v1/triggers', { name: 'shared', task: { prompt: 'hello', workspace: 'shared-ws' } });
    expect(created.status).toBe(201);
    const id = String(created.body.trigger_id);
    const token = String(created.body.token);

    expect((await call(b.baseUrl, 'GET', `/api/v1/triggers/${id}`)).body.name).toBe('shared');
    const fired = await fire(b.baseUrl, id, token, { text: 'from B' });
    expect(fired.status).toBe(201);
    expect(fired.body.trigger_id).toBe(id);
    const done = await waitForStatus(a.baseUrl, String(fired.body.task_id), ['completed']);
    expect(done.trigger_id).toBe(id);
    expect(done.prompt).toBe('hello\n\nfrom B');

    const rotated = await call(b.baseUrl, 'POST', `/api/v1/triggers/${id}/rotate`);
    const fresh = String(rotated.body.token);
    expect((await fire(a.baseUrl, id, token)).status).toBe(401);
    expect((await fire(a.baseUrl, id, fresh, { task_id: 'after-rotation' })).status).toBe(201);
    expect((await call(b.baseUrl, 'GET', `/api/v1/triggers/${id}`)).body.fire_count).toBe(2);

    expect((await call(a.baseUrl, 'DELETE', `/api/v1/triggers/${id}`)).status).toBe(200);
    expect((await call(b.baseUrl, 'GET', `/api/v1/triggers/${id}`)).status).toBe(404);
    expect((await call(b.baseUrl, 'GET', '/api/v1/triggers')).body.triggers).toEqual([]);
  });

  it('one fire budget per trigger across instances: a flood spread over A and B meets one limit', async () => {
    const { a, b } = pair;
    const created = await call(a.baseUrl, 'POST', '/api/v1/triggers', { name: 'flooded', task: { prompt: 'x' } });
    const id = String(created.body.trigger_id);
    const statuses: number[] = [];
    for (let i = 0; i < FIRE_LIMIT; i++) statuses.push((await fire(i % 2 === 0 ? a.baseUrl : b.baseUrl, id, `guess-${i}`)).status);
    expect(statuses).toEqual(Array(FIRE_LIMIT).fill(401));
    const onA = await fire(a.baseUrl, id, String(created.body.token));
    const onB = await fire(b.baseUrl, id, String(created.body.token));
    expect([onA.status, onB.status]).toEqual([429, 429]);
    expect(onB.headers.get('retry-after')).not.toBeNull();
  });
});
