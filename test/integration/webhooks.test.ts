import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { startWebhookReceiver, verifyStandardWebhook } from '../helpers/webhook-receiver.js';

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const WEBHOOK_ENV = { WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_RETRY_BASE_MS: '200', WEBHOOK_TIMEOUT_SECONDS: '2' };

interface Deliveries {
  webhook: { url: string; events: string[] } | null;
  deliveries: { webhook_id: string; event: string; status: string; attempts: number; last_status_code: number | null; payload: { type: string } }[];
}

describe('signed webhooks', () => {
  let model: ScriptedModel;
  let server: TestServer;
  const api = (method: string, p: string, body?: unknown) => request(server.baseUrl, method, p, body);
  const deliveriesOf = async (taskId: string) => (await request<Deliveries>(server.baseUrl, 'GET', `/api/v1/tasks/${taskId}/webhooks`)).body;

  beforeAll(async () => {
    model = await startScriptedModel();
    server = await startTestServer(WEBHOOK_ENV, model);
  });
  afterAll(async () => {
    await server?.close();
    await model?.close();
  });

  it('POSTs a small signed notification when the task completes, stored before it is sent', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const submitted = await api('POST', '/api/v1/tasks', { task_id: 'hook-completed', prompt: '[[script:write-file]] go', webhook: { url: receiver.url } });
      expect(submitted.status).toBe(201);
      await waitForStatus(server.baseUrl, 'hook-completed', ['completed']);
      const [hook] = await waitFor(async () => (receiver.received.length > 0 ? receiver.received : undefined));
      expect(verifyStandardWebhook(SECRET, hook!)).toBe(true);
      expect(verifyStandardWebhook(`whsec_${randomBytes(32).toString('base64')}`, hook!)).toBe(false);
      expect(hook!.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(Math.abs(Number(hook!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(hook!.json).toEqual({
        type: 'task.completed',
        timestamp: expect.any(String),
        data: { task_id: 'hook-completed', session_id: 'session-hook-completed', status: 'completed' },
      });

      const task = (await api('GET', '/api/v1/tasks/hook-completed')).body;
      expect(task.webhook).toEqual({ url: receiver.url, events: ['completed', 'failed', 'interrupted', 'timed_out', 'permission_request'] });
      const listed = await waitFor(async () => {
        const body = await deliveriesOf('hook-completed');
        return body.deliveries[0]?.status === 'delivered' ? body : undefined;
      });
      expect(listed.deliveries).toEqual([
        expect.objectContaining({ webhook_id: hook!.headers['webhook-id'], event: 'completed', status: 'delivered', attempts: 1, last_status_code: 204 }),
      ]);
    } finally {
      await receiver.close();
    }
  });

  it('retries a failing receiver with the same webhook-id until it succeeds, and counts it', async () => {
    const receiver = await startWebhookReceiver((attempt) => (attempt <= 2 ? 500 : 200));
    try {
      await api('POST', '/api/v1/tasks', { task_id: 'hook-retry', prompt: '[[script:api-error]] fail', webhook: { url: receiver.url, events: ['failed'] } });
      await waitForStatus(server.baseUrl, 'hook-retry', ['failed']);
      await waitFor(async () => receiver.received.length >= 3, 20_000);
      const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      expect(receiver.received.map((r) => r.answeredWith)).toEqual([500, 500, 200]);
      expect(receiver.received.every((r) => verifyStandardWebhook(SECRET, r))).toBe(true);
      expect(receiver.received[0]!.json.type).toBe('task.failed');
      const listed = await waitFor(async () => {
        const body = await deliveriesOf('hook-retry');
        return body.deliveries[0]?.status === 'delivered' ? body : undefined;
      });
      expect(listed.deliveries[0]).toMatchObject({ attempts: 3, last_status_code: 200 });
      const metrics = parsePrometheus(await (await fetch(server.metricsUrl)).text());
      expect(sampleValue(metrics, 'webhook_deliveries_total', { result: 'retry' })).toBeGreaterThanOrEqual(2);
      expect(sampleValue(metrics, 'webhook_deliveries_total', { result: 'delivered' })).toBeGreaterThanOrEqual(1);
    } finally {
      await receiver.close();
    }
  });

  it('sends only the chosen events, and reports interrupted tasks', async () => {
    const receiver = await startWebhookReceiver();
    try {
      await api('POST', '/api/v1/tasks', { task_id: 'hook-filtered', prompt: '[[script:write-file]] go', webhook: { url: receiver.url, events: ['failed'] } });
      await waitForStatus(server.baseUrl, 'hook-filtered', ['completed']);
      expect((await deliveriesOf('hook-filtered')).deliveries).toEqual([]);

      await api('POST', '/api/v1/tasks', {
        task_id: 'hook-interrupted',
        prompt: '[[script:slow]] wait',
        webhook: { url: receiver.url, events: ['interrupted'] },
      });
      await waitForStatus(server.baseUrl, 'hook-interrupted', ['running']);
      await api('POST', '/api/v1/tasks/hook-interrupted/interrupt');
      const [hook] = await waitFor(async () => (receiver.received.length > 0 ? receiver.received : undefined));
      expect(hook!.json.type).toBe('task.interrupted');
      expect(hook!.json.data).toMatchObject({ task_id: 'hook-interrupted', status: 'interrupted' });
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('webhook deliveries survive a restart', () => {
  it('a delivery still pending when the server stops is sent by the next start, with the same webhook-id', async () => {
    const model = await startScriptedModel();
    const shared = await mkdtemp(path.join(tmpdir(), 'ccs-hooks-'));
    let receiving = false;
    const receiver = await startWebhookReceiver(() => (receiving ? 200 : 503));
    const env = { ...WEBHOOK_ENV, DATA_DIR: path.join(shared, 'data'), WORKSPACE_ROOT: path.join(shared, 'workspaces') };
    try {
      const first = await startTestServer(env, model);
      await request(first.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'hook-restart', prompt: '[[script:write-file]] go', webhook: { url: receiver.url } });
      await waitForStatus(first.baseUrl, 'hook-restart', ['completed']);
      await waitFor(async () => receiver.received.length >= 1);
      await first.close();
      const attemptsBefore = receiver.received.length;

      receiving = true;
      const second = await startTestServer(env, model);
      try {
        const listed = await waitFor(async () => {
          const { body } = await request<Deliveries>(second.baseUrl, 'GET', '/api/v1/tasks/hook-restart/webhooks');
          return body.deliveries[0]?.status === 'delivered' ? body : undefined;
        }, 20_000);
        expect(receiver.received.length).toBeGreaterThan(attemptsBefore);
        expect(receiver.received.at(-1)!.answeredWith).toBe(200);
        expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
        expect(listed.deliveries[0]!.webhook_id).toBe(receiver.received[0]!.headers['webhook-id']);
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
      await model.close();
      await rm(shared, { recursive: true, force: true });
    }
  });
});

describe('webhook URLs are checked at submit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WEBHOOK_SECRET: SECRET });
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ['http://127.0.0.1:9/hook', /127\.0\.0\.1.*private/],
    ['http://localhost:9/hook', /private/],
    ['http://[::1]:9/hook', /private/],
    ['http://[::ffff:10.0.0.1]/hook', /private/],
    ['http://169.254.169.254/latest/meta-data', /private/],
    ['http://192.168.1.10/hook', /private/],
    ['ftp://example.com/hook', /http or https/],
    ['http://user:pass@example.com/hook', /credentials/],
    ['not a url', /not a valid URL/],
  ])('refuses %s unless WEBHOOK_ALLOW_PRIVATE', async (url, message) => {
    const { status, body } = await request<{ error: { code: string; message: string } }>(server.baseUrl, 'POST', '/api/v1/tasks', {
      prompt: 'hi',
      webhook: { url },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe('WEBHOOK_URL_REFUSED');
    expect(body.error.message).toMatch(message);
  });

  it('refuses unknown events and fields (400 VALIDATION_ERROR)', async () => {
    for (const webhook of [{ url: 'https://example.com', events: ['started'] }, { url: 'https://example.com', secret: 'x' }, { events: ['failed'] }]) {
      const { status, body } = await request<{ error: { code: string } }>(server.baseUrl, 'POST', '/api/v1/tasks', { prompt: 'hi', webhook });
      expect(status).toBe(400);
      expect(body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('needs a secret to sign with', async () => {
    const unsigned = await startTestServer({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    try {
      const { status, body } = await request<{ error: { code: string } }>(unsigned.baseUrl, 'POST', '/api/v1/tasks', {
        prompt: 'hi',
        webhook: { url: 'http://127.0.0.1:9/hook' },
      });
      expect(status).toBe(400);
      expect(body.error.code).toBe('WEBHOOK_SECRET_MISSING');
    } finally {
      await unsigned.close();
    }
  });
});
