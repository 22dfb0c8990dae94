import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { CredentialBroker, type ProcessCredential } from '../../src/model-proxy/credential-broker.js';
import { costUsd, EMPTY_USAGE, mergeUsage } from '../../src/model-proxy/model-prices.js';
import { ModelProxy } from '../../src/model-proxy/model-proxy.js';
import { TaskMeter } from '../../src/model-proxy/task-meter.js';
import { createLogger } from '../../src/observability/logger.js';

/** A main-loop request the scripted model answers from its script (it has tools and a prompt). */
function body(prompt: string, stream: boolean, model = 'claude-sonnet-4-5'): string {
  return JSON.stringify({
    model,
    max_tokens: 64,
    stream,
    tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: {} } }],
    messages: [{ role: 'user', content: prompt }],
  });
}

/** The usage a streamed answer reported, read the plain way (whole text, line by line). */
function streamedCost(text: string): number {
  let model: string | null = null;
  let usage = EMPTY_USAGE;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = JSON.parse(line.slice(6)) as { type: string; message?: { model: string; usage: unknown }; usage?: unknown };
    if (data.type === 'message_start') {
      model = data.message!.model;
      usage = mergeUsage(usage, data.message!.usage);
    } else if (data.type === 'message_delta') usage = mergeUsage(usage, data.usage);
  }
  return costUsd(model, usage);
}

describe('credential proxy meter (real ModelProxy, real scripted model, raw HTTP calls)', () => {
  let model: ScriptedModel;
  let proxy: ModelProxy;
  const meter = new TaskMeter();
  const registry = new Registry();
  const requests = new Counter({ name: 'model_requests_total', help: 'x', labelNames: ['status'], registers: [registry] });
  const overBudget: { taskId: string; spentUsd: number }[] = [];
  const broker = new CredentialBroker();

  beforeAll(async () => {
    model = await startScriptedModel();
    proxy = await ModelProxy.start({
      upstreamUrl: model.url,
      apiKey: 'real-key-0123456789',
      credentials: broker,
      retry: { maxAttempts: 1, budgetMs: 0, baseDelayMs: 0, maxDelayMs: 0 },
      stallTimeoutMs: 60_000,
      logger: createLogger({ level: 'ERROR', sink: () => undefined }),
      metrics: { requests, retries: new Counter({ name: 'model_retries_total', help: 'x', labelNames: ['reason'], registers: [registry] }) },
      meter,
    });
    meter.onOverBudget((taskId, spentUsd) => overBudget.push({ taskId, spentUsd }));
  });
  afterAll(async () => {
    await proxy?.close();
    await model?.close();
  });

  /** A task as the executor runs one: metered (with its budget) and a process token serving it. */
  function startTask(taskId: string, limitUsd: number | null): ProcessCredential {
    meter.open(taskId, limitUsd);
    const credential = broker.mint();
    credential.activate(taskId);
    return credential;
  }

  function call(token: string, payload: string, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
    return fetch(`${proxy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': token, 'content-type': 'application/json', ...headers },
      body: payload,
      signal,
    });
  }

  async function count(status: string): Promise<number> {
    return (await requests.get()).values.find((v) => v.labels.status === status)?.value ?? 0;
  }

  it('meters a raw non-streaming call made with a task token at the price of the model that answered', async () => {
    const { token } = startTask('raw-json', null);
    const response = await call(token, body('[[script:remember]] remember the meter', false, 'claude-haiku-4-5'), { 'accept-encoding': 'gzip, br' });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { model: string; usage: unknown };
    const expected = costUsd(answer.model, mergeUsage(EMPTY_USAGE, answer.usage));
    expect(expected).toBeGreaterThan(0);
    expect(meter.spentUsd('raw-json')).toBeCloseTo(expected, 12);
    // A second call adds to the same task.
    await (await call(token, body('[[script:remember]] remember again', false, 'claude-haiku-4-5'))).json();
    expect(meter.spentUsd('raw-json')).toBeGreaterThan(expected * 1.5);
    expect(meter.close('raw-json')).toBeGreaterThan(expected);
  });

  it('meters a raw streaming call as it streams, to the same figure the stream reports', async () => {
    const { token } = startTask('raw-sse', null);
    const response = await call(token, body('[[script:remember]] remember the stream', true, 'claude-opus-4-1'));
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('message_delta');
    expect(meter.spentUsd('raw-sse')).toBeCloseTo(streamedCost(text), 12);
    // count_tokens is free and is not metered.
    const spent = meter.spentUsd('raw-sse');
    const counted = await fetch(`${proxy.url}/v1/messages/count_tokens`, { method: 'POST', headers: { 'x-api-key': token }, body: body('count', false) });
    expect(counted.status).toBe(200);
    expect(meter.spentUsd('raw-sse')).toBe(spent);
    meter.close('raw-sse');
  });

  it('a caller that hangs up before the end of a non-streaming answer (where its usage is) is still charged', async () => {
    const { token } = startTask('hang-up', null);
    const controller = new AbortController();
    // A long answer: the scripted model repeats the prompt, so the body is large and its usage comes last.
    const response = await call(token, body(`[[script:remember]] remember ${'y'.repeat(400_000)}`, false, 'claude-haiku-4-5'), {}, controller.signal);
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    // input ~100k tokens at $1 and output ~100k at $5 per million: about $0.60.
    await vi.waitFor(() => expect(meter.spentUsd('hang-up')).toBeGreaterThan(0.5));
    meter.close('hang-up');
  });

  it('an unknown model name is priced like the dearest model, never as free', async () => {
    const { token } = startTask('free-model', null);
    const answer = (await (await call(token, body('[[script:remember]] remember x', false, 'totally-free-model'))).json()) as { usage: unknown };
    expect(meter.spentUsd('free-model')).toBeCloseTo(costUsd('claude-opus-4-1', mergeUsage(EMPTY_USAGE, answer.usage)), 12);
    meter.close('free-model');
  });

  it('once the spend reaches max_budget_usd, the next call gets 402 and never reaches the model', async () => {
    const { token } = startTask('capped', 0.0001);
    const first = await call(token, body('[[script:remember]] remember one', false));
    expect(first.status).toBe(200);
    await first.json();
    expect(meter.spentUsd('capped')).toBeGreaterThan(0.0001);
    expect(overBudget).toContainEqual({ taskId: 'capped', spentUsd: meter.spentUsd('capped') });
    const refusedBefore = await count('402');
    const modelCallsBefore = model.httpLog.length;
    for (const stream of [false, true]) {
      const refused = await call(token, body('[[script:remember]] remember two', stream));
      expect(refused.status).toBe(402);
      expect(refused.headers.get('x-should-retry')).toBe('false');
      expect(await refused.json()).toEqual({ type: 'error', error: { type: 'billing_error', message: expect.stringMatching(/max_budget_usd is spent/) } });
    }
    expect(model.httpLog.length).toBe(modelCallsBefore);
    expect(await count('402')).toBe(refusedBefore + 2);
    meter.close('capped');
  });

  it('a stream that takes the task past its budget is cut there, not relayed to its end', async () => {
    const { token } = startTask('cut', 0.000001);
    // The slow script sends message_start (the prompt's tokens), then only pings for 30 s.
    const response = await call(token, body('[[script:slow]]', true));
    expect(response.status).toBe(200);
    const read = await response.text().then(
      (text) => ({ ended: 'cleanly', text }),
      () => ({ ended: 'cut', text: '' }),
    );
    expect(read.ended === 'cut' || !read.text.includes('message_stop')).toBe(true);
    expect(overBudget.map((o) => o.taskId)).toContain('cut');
    expect((await call(token, body('[[script:remember]] remember', false))).status).toBe(402);
    meter.close('cut');
  });

  it('a token between tasks, or revoked, still gets 401 (metering changes nothing there)', async () => {
    const credential = startTask('ended', 100);
    credential.deactivate();
    meter.close('ended');
    expect((await call(credential.token, body('[[script:remember]] remember', false))).status).toBe(401);
    credential.activate('ended');
    credential.revoke();
    expect((await call(credential.token, body('[[script:remember]] remember', false))).status).toBe(401);
  });
});
