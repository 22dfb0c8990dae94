import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const THRIFTY_KEY = 'thrifty-key-5e7a1c93';
const ROOMY_KEY = 'roomy-key-0b42d8f6';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

describe('monthly tenant budgets', () => {
  let server: TestServer;
  const as = (key: string) => (method: string, p: string, body?: unknown) => request(server.baseUrl, method, p, body, { 'x-api-key': key });

  beforeAll(async () => {
    const keysFile = path.join(process.env.TMPDIR ?? '/tmp', `ccs-budget-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      keysFile,
      [
        'tenants:',
        '  - id: thrifty',
        `    key_sha256: [${sha(THRIFTY_KEY)}]`,
        '    monthly_budget_usd: 0.000001',
        '  - id: roomy',
        `    key_sha256: [${sha(ROOMY_KEY)}]`,
        '    monthly_budget_usd: 1000',
      ].join('\n'),
    );
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keysFile });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("refuses submits with 402 once the month's spend reaches the budget; other tenants go on", async () => {
    const thrifty = as(THRIFTY_KEY);
    expect((await thrifty('POST', '/api/v1/tasks', { task_id: 'spend-1', prompt: '[[script:write-file]] go' })).status).toBe(201);
    const spent = await waitForStatus(server.baseUrl, 'spend-1', ['completed'], undefined, { 'x-api-key': THRIFTY_KEY });
    expect(spent.cost_usd).toBeGreaterThan(0.000001);

    const refused = await thrifty('POST', '/api/v1/tasks', { prompt: '[[script:write-file]] again' });
    expect(refused.status).toBe(402);
    expect(refused.body).toEqual({
      error: {
        code: 'TENANT_BUDGET_EXCEEDED',
        message: expect.stringMatching(/budget of \$0\.000001 is spent/),
        details: { spent_usd: spent.cost_usd, budget_usd: 0.000001 },
      },
    });
    // An identical retry of an accepted task is still answered: it costs nothing more.
    expect((await thrifty('POST', '/api/v1/tasks', { task_id: 'spend-1', prompt: '[[script:write-file]] go' })).status).toBe(200);

    const roomy = as(ROOMY_KEY);
    expect((await roomy('POST', '/api/v1/tasks', { task_id: 'spend-2', prompt: '[[script:write-file]] go' })).status).toBe(201);
    await waitForStatus(server.baseUrl, 'spend-2', ['completed'], undefined, { 'x-api-key': ROOMY_KEY });

    const metrics = parsePrometheus(await (await fetch(server.metricsUrl)).text());
    expect(sampleValue(metrics, 'task_cost_usd_total', { tenant: 'thrifty' })).toBeCloseTo(Number(spent.cost_usd), 10);
  });
});

describe('options.max_budget_usd (per task)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  const script = (steps: unknown[]) => `[[script:${JSON.stringify({ steps })}]]`;
  const bash = (command: string) => ({ tool: { name: 'Bash', input: { command } } });

  it('stops a task that spends more: failed, BUDGET_EXCEEDED, its spend in the record', async () => {
    const prompt = script([bash('echo 1 > one.txt'), bash('echo 2 > two.txt'), bash('echo 3 > three.txt'), { text: 'all three written' }]);
    const firstRequest = server.model.requests.length;
    const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'over-budget', prompt, options: { max_budget_usd: 0.000001 } });
    expect(submitted.status).toBe(201);
    const task = await waitForStatus(server.baseUrl, 'over-budget', ['completed', 'failed', 'interrupted', 'timed_out']);
    expect(task).toMatchObject({
      status: 'failed',
      error: { code: 'BUDGET_EXCEEDED', message: expect.stringMatching(/more than its max_budget_usd of \$0\.000001/) },
    });
    expect(Number(task.cost_usd)).toBeGreaterThan(0.000001);
    expect((task.options as Record<string, unknown>).max_budget_usd).toBe(0.000001);
    const events = (await request(server.baseUrl, 'GET', '/api/v1/tasks/over-budget/events?format=json')).body.events as {
      type: string;
      data: Record<string, unknown>;
    }[];
    expect(events.at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed', error: { code: 'BUDGET_EXCEEDED' } } });
    // Stopped at its first model call, which alone costs more than the budget: the model was never
    // asked for a later step, so at most the first of the three commands ran.
    const steps = server.model.requests.slice(firstRequest).filter((r) => r.kind === 'main');
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.map((r) => r.turn)).toEqual(steps.map(() => 0));
    expect(events.filter((e) => e.type === 'tool_use').length).toBeLessThanOrEqual(1);
    const workspace = String(task.workspace);
    expect([existsSync(path.join(workspace, 'two.txt')), existsSync(path.join(workspace, 'three.txt'))]).toEqual([false, false]);
  });

  it('lets a task within its budget complete', async () => {
    const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', {
      task_id: 'within-budget',
      prompt: '[[script:write-file]] go',
      options: { max_budget_usd: 100 },
    });
    expect(submitted.status).toBe(201);
    const task = await waitForStatus(server.baseUrl, 'within-budget', ['completed', 'failed', 'interrupted', 'timed_out']);
    expect(task).toMatchObject({ status: 'completed', error: null });
    expect(Number(task.cost_usd)).toBeGreaterThan(0);
  });

  it('refuses a max_budget_usd that is not a positive number', async () => {
    for (const bad of [0, -1, '5']) {
      const refused = await request(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'x', options: { max_budget_usd: bad } });
      expect(refused.status).toBe(400);
    }
  });
});

describe('API_MONTHLY_BUDGET_USD', () => {
  it("sets the default tenant's budget, and must be a positive number", async () => {
    const { loadConfig, ConfigError } = await import('../../src/config.js');
    expect(loadConfig({ CLAUDE_API_KEY: 'k', API_MONTHLY_BUDGET_USD: '12.5' }).monthlyBudgetUsd).toBe(12.5);
    expect(() => loadConfig({ CLAUDE_API_KEY: 'k', API_MONTHLY_BUDGET_USD: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ CLAUDE_API_KEY: 'k', WEBHOOK_SECRET: 'short' })).toThrow(/WEBHOOK_SECRET must be at least 16/);
  });
});
