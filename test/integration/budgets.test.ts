import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
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

  it('refuses submits with 402 once the month\'s spend reaches the budget; other tenants go on', async () => {
    const thrifty = as(THRIFTY_KEY);
    expect((await thrifty('POST', '/api/v1/tasks', { task_id: 'spend-1', prompt: '[[script:write-file]] go' })).status).toBe(201);
    const spent = await waitForStatus(server.baseUrl, 'spend-1', ['completed'], undefined, { 'x-api-key': THRIFTY_KEY });
    expect(spent.cost_usd).toBeGreaterThan(0.000001);

    const refused = await thrifty('POST', '/api/v1/tasks', { prompt: '[[script:write-file]] again' });
    expect(refused.status).toBe(402);
    expect(refused.body).toEqual({
      error: { code: 'TENANT_BUDGET_EXCEEDED', message: expect.stringMatching(/budget of \$0\.000001 is spent/), details: { spent_usd: spent.cost_usd, budget_usd: 0.000001 } },
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

describe('API_MONTHLY_BUDGET_USD', () => {
  it('sets the default tenant\'s budget, and must be a positive number', async () => {
    const { loadConfig, ConfigError } = await import('../../src/config.js');
    expect(loadConfig({ CLAUDE_API_KEY: 'k', API_MONTHLY_BUDGET_USD: '12.5' }).monthlyBudgetUsd).toBe(12.5);
    expect(() => loadConfig({ CLAUDE_API_KEY: 'k', API_MONTHLY_BUDGET_USD: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ CLAUDE_API_KEY: 'k', WEBHOOK_SECRET: 'short' })).toThrow(/WEBHOOK_SECRET must be at least 16/);
  });
});
