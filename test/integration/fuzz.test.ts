import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, upgradeStatus, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { problemWith, send } from './fuzz-answers.js';
import { generate } from './fuzz-cases.js';
import { Gen, prng } from './fuzz-random.js';

/**
 * Malformed requests, generated from a seed: none may get a 5xx, every error must come in the
 * one error shape with a catalogued code and its status, no task may be created, and the
 * server must still answer afterwards. Reproduce a failure with FUZZ_SEED=<seed printed>.
 */
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
const PARALLEL = 6;

describe(`fuzz: malformed requests (FUZZ_SEED=${SEED})`, () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '1', TASK_QUEUE_MAX: '2' });
    // One real, finished task, so that ids, interrupts and event queries can also hit something that exists.
    const known = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'known-task', prompt: 'hello fuzz' });
    expect(known.status).toBe(201);
    await waitForStatus(server.baseUrl, 'known-task', ['completed']);
  });
  afterAll(async () => server?.close());

  it('refuses to resume after a seq the task never had, instead of waiting forever', async () => {
    const { body } = await request<{ events: unknown[] }>(server.baseUrl, 'GET', '/api/v1/tasks/known-task/events?format=json');
    const past = body.events.length + 1;
    for (const [url, headers] of [
      [`/api/v1/tasks/known-task/events?after=${past}`, {}],
      ['/api/v1/tasks/known-task/events', { 'last-event-id': String(past + 100) }],
    ] as const) {
      const answer = await request(server.baseUrl, 'GET', url, undefined, headers);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ error: { code: 'VALIDATION_ERROR', message: expect.stringContaining('has no event') } });
    }
    expect(await upgradeStatus(`${server.wsBase}/ws/tasks/known-task?after=${past}`)).toBe(400);
    // The last event itself is fine: nothing more to send.
    expect((await request(server.baseUrl, 'GET', `/api/v1/tasks/known-task/events?after=${past - 1}`)).status).toBe(204);
  });

  it('serves ids of the full allowed length (128) at every id route', async () => {
    const id = 'a'.repeat(128);
    for (const [method, url] of [
      ['GET', `/api/v1/tasks/${id}`],
      ['POST', `/api/v1/tasks/${id}/interrupt`],
      ['GET', `/api/v1/tasks/${id}/events?format=json`],
    ] as const) {
      expect((await request(server.baseUrl, method, url)).body).toEqual({ error: { code: 'TASK_NOT_FOUND', message: expect.any(String) } });
    }
    expect((await request(server.baseUrl, 'GET', `/api/v1/sessions/${id}`)).status).toBe(404);
    expect(await upgradeStatus(`${server.wsBase}/ws/tasks/${id}`)).toBe(404);
    // Percent-encoded, an id is three times as long, and still fits.
    expect((await request(server.baseUrl, 'GET', `/api/v1/tasks/${encodeURIComponent(':'.repeat(128))}`)).status).toBe(404);
  });

  it(`answers ${CASES} generated malformed requests without a 5xx, always in the error shape`, async () => {
    const g = new Gen(prng(SEED));
    const cases = Array.from({ length: CASES }, () => generate(g));
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index]!;
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        try {
          const problem = problemWith(c, await send(server.baseUrl, c));
          if (problem) failures.push(`#${index} ${c.kind}: ${c.method} ${c.path.slice(0, 120)} → ${problem}`);
        } catch (error) {
          failures.push(`#${index} ${c.kind}: ${c.method} ${c.path.slice(0, 120)} → no answer: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));

    expect(failures, `FUZZ_SEED=${SEED} reproduces these:\n${failures.slice(0, 30).join('\n')}`).toEqual([]);
    expect(kinds.size, `FUZZ_SEED=${SEED}: every kind of case ran`).toBeGreaterThanOrEqual(15);

    // Nothing was accepted: the only task is the one made above, and nothing runs or waits.
    const list = await request<{ tasks: { task_id: string }[] }>(server.baseUrl, 'GET', '/api/v1/tasks?limit=500');
    expect(list.body.tasks.map((t) => t.task_id)).toEqual(['known-task']);
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'healthy', active_tasks: 0, queued_tasks: 0 });
    expect(
      server.logs.filter((l) => l.level === 'ERROR'),
      `FUZZ_SEED=${SEED}`,
    ).toEqual([]);
  });
});
