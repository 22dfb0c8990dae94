import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus, type JsonResponse } from '../helpers/client.js';
import { scrape, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ALPHA_KEY = 'alpha-key-trigger-0f3c9a';
const BETA_KEY = 'beta-key-trigger-5b8d2e';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const FIRE_LIMIT = 12;

type Body = Record<string, unknown> & { error?: { code: string } };

describe('triggers: a named task template started by a token of its own', () => {
  let model: ScriptedModel;
  let server: TestServer;
  /** Every token the server handed out: none may show up anywhere but its create or rotate answer. */
  const issuedTokens: string[] = [];
  const as =
    (key: string) =>
    (method: string, p: string, body?: unknown): Promise<JsonResponse<Body>> =>
      request<Body>(server.baseUrl, method, p, body, { 'x-api-key': key });
  const alpha = (method: string, p: string, body?: unknown) => as(ALPHA_KEY)(method, p, body);
  const beta = (method: string, p: string, body?: unknown) => as(BETA_KEY)(method, p, body);
  const fire = (id: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) =>
    request<Body>(
      server.baseUrl,
      'POST',
      `/api/v1/triggers/${id}/fire`,
      body,
      token === undefined ? headers : { ...headers, authorization: `Bearer ${token}` },
    );
  const create = async (as: typeof alpha, body: unknown): Promise<{ id: string; token: string; body: Body }> => {
    const answer = await as('POST', '/api/v1/triggers', body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const token = String(answer.body.token);
    issuedTokens.push(token);
    return { id: String(answer.body.trigger_id), token, body: answer.body };
  };

  beforeAll(async () => {
    model = await startScriptedModel();
    const keys = path.join(process.env.TMPDIR ?? '/tmp', `ccs-trigger-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      keys,
      ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`, '    max_concurrent: 1'].join(
        '\n',
      ),
    );
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keys, TRIGGER_FIRE_RATE_PER_MINUTE: String(FIRE_LIMIT) }, model);
  });
  afterAll(async () => {
    await server?.close();
    await model?.close();
  });

  it('creates a trigger (201, token shown once) and fires it without a tenant key: text after a blank line, trigger_id on the task', async () => {
    const { id, token, body } = await create(alpha, { name: 'ci-build', task: { prompt: 'Check the build', workspace: 'ci', options: { max_turns: 5 } } });
    expect(id).toMatch(/^trg_[0-9a-f]{24}$/);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(body).toMatchObject({
      name: 'ci-build',
      task: { prompt: 'Check the build', workspace: 'ci', options: { max_turns: 5 } },
      fire_count: 0,
      last_fired_at: null,
    });
    expect(body.fire_url).toBe(`${server.baseUrl}/api/v1/triggers/${id}/fire`);

    const fired = await fire(id, token, { text: 'commit abc123 failed' });
    expect(fired.status, JSON.stringify(fired.body)).toBe(201);
    expect(fired.body).toMatchObject({ trigger_id: id, prompt: 'Check the build\n\ncommit abc123 failed', options: { max_turns: 5 } });
    const taskId = String(fired.body.task_id);
    const done = await waitForStatus(server.baseUrl, taskId, ['completed'], undefined, { 'x-api-key': ALPHA_KEY });
    expect(done.trigger_id).toBe(id);
    expect(String(done.workspace)).toBe(path.join(server.workspaceRoot, 'alpha', 'ci'));

    // No body at all, or an empty one sent as JSON: the template's prompt alone.
    const bare = await fire(id, token);
    expect(bare.status).toBe(201);
    expect(bare.body.prompt).toBe('Check the build');
    const empty = await fire(id, token, '', { 'content-type': 'application/json' });
    expect(empty.status, JSON.stringify(empty.body)).toBe(201);
    expect((await fire(id, token, '{"text": ', { 'content-type': 'application/json' })).body.error?.code).toBe('INVALID_JSON');
    const after = await alpha('GET', `/api/v1/triggers/${id}`);
    expect(after.body).toMatchObject({ fire_count: 3, last_fired_at: expect.any(String) });

    // An ordinary task says null.
    const plain = await alpha('POST', '/api/v1/tasks', { prompt: 'hello' });
    expect((await alpha('GET', `/api/v1/tasks/${String(plain.body.task_id)}`)).body.trigger_id).toBeNull();
  });

  it('refuses every wrong credential with 401 TRIGGER_UNAUTHORIZED, an unknown trigger alike', async () => {
    const { id, token } = await create(alpha, { name: 'guarded', task: { prompt: 'x' } });
    const other = await create(alpha, { name: 'other', task: { prompt: 'y' } });
    const attempts: [string, Promise<JsonResponse<Body>>][] = [
      ['no token', fire(id, undefined, {})],
      ['wrong token', fire(id, `${token.slice(0, -2)}xx`, {})],
      ["another trigger's token", fire(id, other.token, {})],
      ['the tenant key as bearer', fire(id, ALPHA_KEY, {})],
      ['the tenant key as X-API-Key', fire(id, undefined, {}, { 'x-api-key': ALPHA_KEY })],
      ["another tenant's key", fire(id, BETA_KEY, {}, { 'x-api-key': BETA_KEY })],
      ['unknown trigger', fire('trg_000000000000000000000000', token, {})],
      ['a malformed trigger id', fire('not-a-trigger', token, {})],
      ['a token in the wrong scheme', fire(id, undefined, {}, { authorization: `Basic ${token}` })],
    ];
    for (const [what, attempt] of attempts) {
      const answer = await attempt;
      expect(answer.status, what).toBe(401);
      expect(answer.body.error?.code, what).toBe('TRIGGER_UNAUTHORIZED');
    }
    // The unknown trigger's answer is word for word that of a wrong token.
    const unknown = await fire('trg_000000000000000000000000', 'nope', {});
    const wrong = await fire(id, 'nope', {});
    expect(unknown.body).toEqual(wrong.body);
    expect((await fire(id, token, {})).status).toBe(201);
  });

  it('rotates: the old token stops working at once, the new one works', async () => {
    const { id, token } = await create(alpha, { name: 'rotating', task: { prompt: 'x' } });
    const rotated = await alpha('POST', `/api/v1/triggers/${id}/rotate`);
    expect(rotated.status).toBe(200);
    const fresh = String(rotated.body.token);
    issuedTokens.push(fresh);
    expect(fresh).not.toBe(token);
    expect(rotated.body).toMatchObject({ trigger_id: id, name: 'rotating' });
    expect((await fire(id, token, {})).status).toBe(401);
    expect((await fire(id, fresh, {})).status).toBe(201);
  });

  it("keeps tenants apart: another tenant's trigger is 404 on every route and absent from its list", async () => {
    const { id, token } = await create(alpha, { name: 'alpha-only', task: { prompt: 'x' } });
    for (const [method, p] of [
      ['GET', `/api/v1/triggers/${id}`],
      ['DELETE', `/api/v1/triggers/${id}`],
      ['POST', `/api/v1/triggers/${id}/rotate`],
    ] as const) {
      const foreign = await beta(method, p);
      const missing = await beta(method, p.replace(id, 'trg_ffffffffffffffffffffffff'));
      expect(foreign.status, `${method} ${p}`).toBe(404);
      expect(foreign.body.error?.code).toBe('TRIGGER_NOT_FOUND');
      expect(JSON.stringify(foreign.body).replace(id, 'X')).toBe(JSON.stringify(missing.body).replace('trg_ffffffffffffffffffffffff', 'X'));
    }
    const list = await beta('GET', '/api/v1/triggers');
    expect((list.body.triggers as { trigger_id: string }[]).map((t) => t.trigger_id)).not.toContain(id);
    // Beta's rotate attempt changed nothing.
    expect((await fire(id, token, {})).status).toBe(201);
  });

  it('deletes: the trigger is gone and its token opens nothing', async () => {
    const { id, token } = await create(alpha, { name: 'short-lived', task: { prompt: 'x' } });
    const deleted = await alpha('DELETE', `/api/v1/triggers/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ trigger_id: id, deleted: true });
    expect((await alpha('GET', `/api/v1/triggers/${id}`)).status).toBe(404);
    expect((await alpha('DELETE', `/api/v1/triggers/${id}`)).status).toBe(404);
    expect((await fire(id, token, {})).status).toBe(401);
  });

  it('validates the template like a task submit (400 with stable codes)', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'x' }, 'VALIDATION_ERROR'],
      [{ task: { prompt: 'x' } }, 'VALIDATION_ERROR'],
      [{ name: '', task: { prompt: 'x' } }, 'VALIDATION_ERROR'],
      [{ name: 'x', task: { prompt: '   ' } }, 'VALIDATION_ERROR'],
      [{ name: 'x', task: { prompt: 'x', surprise: 1 } }, 'VALIDATION_ERROR'],
      [{ name: 'x', task: { prompt: 'x', task_id: 'fixed' } }, 'VALIDATION_ERROR'],
      [{ name: 'x', task: { prompt: 'x', options: { max_turns: 0 } } }, 'VALIDATION_ERROR'],
      [{ name: 'x', task: { prompt: 'x', options: { permission_mode: 'yolo' } } }, 'VALIDATION_ERROR'],
      [{ name: 'x', task: { prompt: 'x', session_id: 'bad id!' } }, 'VALIDATION_ERROR'],
      [{ name: 'x', task: { prompt: 'x', session_id: 's', session: { session_id: 's' } } }, 'VALIDATION_ERROR'],
      [{ name: 'x', task: { prompt: 'x', workspace: '../beta/escape' } }, 'WORKSPACE_OUTSIDE_ROOT'],
      [{ name: 'x', task: { prompt: 'x', workspace: '/etc' } }, 'WORKSPACE_OUTSIDE_ROOT'],
    ];
    for (const [body, code] of cases) {
      const answer = await alpha('POST', '/api/v1/triggers', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error?.code, JSON.stringify(body)).toBe(code);
    }
    const { id, token } = await create(alpha, { name: 'fire-body', task: { prompt: 'x' } });
    expect((await fire(id, token, { text: 5 })).body.error?.code).toBe('VALIDATION_ERROR');
    expect((await fire(id, token, { text: 'x', extra: true })).body.error?.code).toBe('VALIDATION_ERROR');
  });

  it('fires idempotently with an Idempotency-Key or a task_id: a retry returns the first task (200)', async () => {
    const { id, token } = await create(alpha, { name: 'idempotent', task: { prompt: 'x' } });
    const first = await fire(id, token, { text: 'deploy 42' }, { 'idempotency-key': 'delivery-42' });
    const again = await fire(id, token, { text: 'deploy 42' }, { 'idempotency-key': 'delivery-42' });
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.body.task_id).toBe(first.body.task_id);
    const other = await fire(id, token, { text: 'deploy 43' }, { 'idempotency-key': 'delivery-43' });
    expect(other.body.task_id).not.toBe(first.body.task_id);
    const conflicting = await fire(id, token, { text: 'something else' }, { 'idempotency-key': 'delivery-42' });
    expect(conflicting.status).toBe(409);
    expect(conflicting.body.error?.code).toBe('TASK_ID_CONFLICT');

    const mine = await fire(id, token, { text: 'a', task_id: 'my-fire-1' });
    const mineAgain = await fire(id, token, { text: 'a', task_id: 'my-fire-1' });
    expect([mine.status, mineAgain.status, mine.body.task_id]).toEqual([201, 200, 'my-fire-1']);
    expect((await alpha('GET', '/api/v1/tasks/my-fire-1')).body.trigger_id).toBe(id);
    expect((await alpha('GET', `/api/v1/triggers/${id}`)).body.fire_count).toBe(3);
  });

  it("counts its runs toward the tenant's concurrency", async () => {
    const { id, token } = await create(beta, { name: 'slow', task: { prompt: '[[script:slow]]' } });
    const first = await fire(id, token, {});
    const second = await fire(id, token, {});
    expect(first.body.status).toBe('running');
    expect(second.body.status).toBe('queued');
    await beta('POST', `/api/v1/tasks/${String(second.body.task_id)}/interrupt`);
    await beta('POST', `/api/v1/tasks/${String(first.body.task_id)}/interrupt`);
  });

  it('throttles fire attempts per trigger (a good token too, once the budget is spent): 429 with Retry-After', async () => {
    const { id, token } = await create(alpha, { name: 'brute-forced', task: { prompt: 'x' } });
    const bystander = await create(alpha, { name: 'bystander', task: { prompt: 'x' } });
    for (let i = 0; i < FIRE_LIMIT; i++) expect((await fire(id, `guess-${i}`, {})).status).toBe(401);
    const limited = await fire(id, token, {});
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another trigger has a budget of its own.
    expect((await fire(bystander.id, bystander.token, {})).status).toBe(201);
  });

  it('lists triggers oldest first without tokens; no token ever reaches a GET, a log line or an event', async () => {
    const list = await alpha('GET', '/api/v1/triggers');
    expect(list.status).toBe(200);
    const triggers = list.body.triggers as Record<string, unknown>[];
    expect(triggers.map((t) => t.name)).toEqual(expect.arrayContaining(['ci-build', 'guarded', 'rotating']));
    const created = triggers.map((t) => String(t.created_at));
    expect([...created].sort()).toEqual(created);
    for (const t of triggers) expect(Object.keys(t)).not.toContain('token');

    const tasks = await alpha('GET', '/api/v1/tasks?limit=100');
    const events = await Promise.all((tasks.body.tasks as { task_id: string }[]).map((t) => alpha('GET', `/api/v1/tasks/${t.task_id}/events?format=json`)));
    const gets = [
      JSON.stringify(list.body),
      ...(await Promise.all(triggers.map(async (t) => JSON.stringify((await alpha('GET', `/api/v1/triggers/${String(t.trigger_id)}`)).body)))),
    ];
    const everywhere = [...gets, JSON.stringify(tasks.body), JSON.stringify(events.map((e) => e.body)), JSON.stringify(server.logs)].join('\n');
    expect(issuedTokens.length).toBeGreaterThan(5);
    for (const token of issuedTokens) expect(everywhere).not.toContain(token);
  });

  it('counts fires by outcome in trigger_fires_total', async () => {
    const { id, token } = await create(alpha, { name: 'metered', task: { prompt: 'x' } });
    const count = async (outcome: string) => sampleValue(await scrape(server.metricsUrl), 'trigger_fires_total', { outcome }) ?? 0;
    const before = { started: await count('started'), replayed: await count('replayed'), unauthorized: await count('unauthorized') };
    await fire(id, token, { task_id: 'metered-1' });
    await fire(id, token, { task_id: 'metered-1' });
    await fire(id, 'wrong', {});
    expect(await count('started')).toBe(before.started + 1);
    expect(await count('replayed')).toBe(before.replayed + 1);
    expect(await count('unauthorized')).toBe(before.unauthorized + 1);
    expect(await count('rate_limited')).toBeGreaterThanOrEqual(1);
  });
});
