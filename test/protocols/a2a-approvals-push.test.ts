import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TaskState } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor } from '../helpers/client.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import type { TestServer } from '../helpers/test-server.js';
import { startWebhookReceiver, verifyStandardWebhook } from '../helpers/webhook-receiver.js';
import {
  a2aClient,
  ALPHA_KEY,
  artifactValue,
  asTask,
  BETA_KEY,
  clientCache,
  inlineScript,
  sendRequest,
  startA2aServer,
  textMessage,
  WEBHOOK_SECRET,
} from './a2a-client.js';

// Real CLI runs on a shared machine: minutes are no threshold, only a bound on a hang.
const SLOW_MACHINE = { timeout: 180_000 };

/** A2A approvals, sessions, push notifications, tenants and metrics, driven only through the official @a2a-js/sdk client. */
describe('A2A approvals, sessions, push, tenants (official @a2a-js/sdk client)', SLOW_MACHINE, () => {
  let server: TestServer;
  const client = clientCache(() => server);

  beforeAll(async () => {
    server = await startA2aServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('holds a tool call as input-required until a message on the task allows it', async () => {
    const a2a = await client(ALPHA_KEY);
    const prompt = inlineScript([{ tool: { name: 'Bash', input: { command: 'echo approved > approved.txt' } } }, { text: 'done after approval' }]);
    const metadata = { ccs: { options: { allowed_tools: ['Read', 'Bash'], require_approval: ['Bash'] } } };
    const waiting = asTask(await a2a.sendMessage(sendRequest(textMessage(prompt), { metadata })));
    expect(waiting.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    const asked = waiting.status?.message?.parts.find((p) => p.content?.$case === 'data')?.content?.value as { permission_request: { tool_name: string } };
    expect(asked.permission_request.tool_name).toBe('Bash');
    const record = await request(server.baseUrl, 'GET', `/api/v1/tasks/${waiting.id}`, undefined, { 'x-api-key': ALPHA_KEY });
    expect(existsSync(path.join(String(record.body.workspace), 'approved.txt'))).toBe(false);

    const answered = asTask(await a2a.sendMessage(sendRequest(textMessage('allow', { taskId: waiting.id, contextId: waiting.contextId }))));
    expect(answered.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(readFileSync(path.join(String(record.body.workspace), 'approved.txt'), 'utf8')).toBe('approved\n');
    await expect(a2a.sendMessage(sendRequest(textMessage('allow', { taskId: waiting.id })))).rejects.toMatchObject({ name: 'UnsupportedOperationError' });
  });

  it('continues a session when a message names its contextId', async () => {
    const a2a = await client(ALPHA_KEY, 'HTTP+JSON');
    const first = asTask(await a2a.sendMessage(sendRequest(textMessage('[[script:write-file]]'))));
    const second = asTask(await a2a.sendMessage(sendRequest(textMessage('[[script:read-file]]', { contextId: first.contextId }))));
    expect(second.contextId).toBe(first.contextId);
    expect(artifactValue(second, 'result')).toContain('hello from the scripted model');
  });

  it('delivers push notifications through the signed webhook outbox, with the config token', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const a2a = await client(ALPHA_KEY);
      const send = sendRequest(textMessage('[[script:write-file]]'));
      send.configuration!.taskPushNotificationConfig = {
        tenant: '',
        id: 'cfg-1',
        taskId: '',
        url: receiver.url,
        token: 'token-7f2c',
        authentication: undefined,
      };
      const task = asTask(await a2a.sendMessage(send));
      const hook = await waitFor(async () => receiver.received[0]);
      expect(hook.headers['x-a2a-notification-token']).toBe('token-7f2c');
      expect(verifyStandardWebhook(WEBHOOK_SECRET, hook)).toBe(true);
      const body = JSON.parse(hook.body) as { task: { id: string; status: { state: string } } };
      expect(body.task).toMatchObject({ id: task.id, status: { state: 'TASK_STATE_COMPLETED' } });
      // The config's token is a secret of the receiver's: the REST view of the task does not show it.
      const rest = await request(server.baseUrl, 'GET', `/api/v1/tasks/${task.id}`, undefined, { 'x-api-key': ALPHA_KEY });
      expect(rest.status).toBe(200);
      expect(JSON.stringify(rest.body)).not.toContain('token-7f2c');
      expect(rest.body.webhook).toEqual({ url: receiver.url, events: expect.any(Array) });

      const configs = await a2a.listTaskPushNotificationConfig({ tenant: '', taskId: task.id, pageSize: 0, pageToken: '' });
      expect(configs.configs).toEqual([expect.objectContaining({ id: 'cfg-1', url: receiver.url, token: 'token-7f2c' })]);
      const slow = asTask(await a2a.sendMessage(sendRequest(textMessage('[[script:slow]]'), { returnImmediately: true })));
      const created = await a2a.createTaskPushNotificationConfig({
        tenant: '',
        id: 'cfg-2',
        taskId: slow.id,
        url: receiver.url,
        token: 't2',
        authentication: undefined,
      });
      expect(created).toMatchObject({ id: 'cfg-2', taskId: slow.id });
      expect(await a2a.getTaskPushNotificationConfig({ tenant: '', taskId: slow.id, id: 'cfg-2' })).toMatchObject({ url: receiver.url });
      await a2a.cancelTask({ tenant: '', id: slow.id, metadata: undefined });
      const canceledHook = await waitFor(async () => receiver.received.find((h) => h.body.includes(slow.id)));
      expect(canceledHook.headers['x-a2a-notification-token']).toBe('t2');
      await a2a.deleteTaskPushNotificationConfig({ tenant: '', taskId: slow.id, id: 'cfg-2' });
      expect((await a2a.listTaskPushNotificationConfig({ tenant: '', taskId: slow.id, pageSize: 0, pageToken: '' })).configs).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("keeps tenants apart: another tenant's client sees none of the first one's tasks", async () => {
    const alpha = await client(ALPHA_KEY);
    const task = asTask(await alpha.sendMessage(sendRequest(textMessage('[[script:write-file]]'), { returnImmediately: true })));
    for (const binding of ['JSONRPC', 'HTTP+JSON'] as const) {
      const beta = await client(BETA_KEY, binding);
      await expect(beta.getTask({ tenant: '', id: task.id })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
      await expect(beta.cancelTask({ tenant: '', id: task.id, metadata: undefined })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
      const listed = await beta.listTasks({ tenant: '', contextId: '', status: 0, pageToken: '', statusTimestampAfter: undefined });
      expect(listed.tasks.map((t) => t.id)).not.toContain(task.id);
      const resubscribe = async () => {
        for await (const _ of beta.resubscribeTask({ tenant: '', id: task.id })) return;
      };
      await expect(resubscribe()).rejects.toMatchObject({ name: 'TaskNotFoundError' });
    }
    const noKey = await a2aClient(server.baseUrl, 'not-a-key');
    await expect(noKey.getTask({ tenant: '', id: task.id })).rejects.toThrow(/401/);
  });

  it('counts requests in protocol_requests_total by operation and outcome', async () => {
    const text = await (await fetch(server.metricsUrl)).text();
    const samples = parsePrometheus(text);
    expect(sampleValue(samples, 'protocol_requests_total', { protocol: 'a2a', operation: 'SendMessage', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'protocol_requests_total', { protocol: 'a2a', operation: 'GetTask', outcome: 'TASK_NOT_FOUND' })).toBeGreaterThan(0);
  });
});

describe('A2A push configs under the webhook address rules', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startA2aServer({ WEBHOOK_ALLOW_PRIVATE: 'false' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a push URL on a loopback, private or link-local address, and starts no task', async () => {
    const a2a = await a2aClient(server.baseUrl, ALPHA_KEY, 'JSONRPC');
    for (const url of ['http://127.0.0.1:9/hook', 'http://10.1.2.3/hook', 'http://169.254.169.254/latest/meta-data/']) {
      const send = sendRequest(textMessage('[[script:write-file]]'), { returnImmediately: true });
      send.configuration!.taskPushNotificationConfig = { tenant: '', id: 'cfg', taskId: '', url, token: 't', authentication: undefined };
      await expect(a2a.sendMessage(send), url).rejects.toThrow(/resolves to .*(loopback|private|link-local)|refused/i);
    }
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks', undefined, { 'x-api-key': ALPHA_KEY })).body.tasks).toEqual([]);
  });
});

describe('A2A under the rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startA2aServer({ API_RATE_LIMIT_ENABLED: 'true', API_RATE_LIMIT_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("counts A2A calls against the caller's budget like any other request", async () => {
    // The public card is fetched without a key: it counts against the address, not against the key.
    const a2a = await a2aClient(server.baseUrl, ALPHA_KEY, 'HTTP+JSON');
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map(() => a2a.getTask({ tenant: '', id: 'no-such-task' })));
    const reasons = outcomes.map((o) => (o.status === 'rejected' ? String((o.reason as { statusCode?: number }).statusCode) : 'ok'));
    expect(reasons.filter((r) => r === '404')).toHaveLength(4);
    expect(reasons.filter((r) => r === '429')).toHaveLength(1);
  });
});
