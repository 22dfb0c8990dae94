import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TaskState, type StreamResponse, type Task } from '@a2a-js/sdk';
import type { Client } from '@a2a-js/sdk/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELLO_FILE } from '../../src/dev/scripted-model/builtin-scripts.js';
import { request, waitFor } from '../helpers/client.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { startWebhookReceiver, verifyStandardWebhook } from '../helpers/webhook-receiver.js';
import { a2aClient, inlineScript, sendRequest, seqOf, textMessage, type Binding } from './a2a-client.js';

const ALPHA_KEY = 'a2a-alpha-key-5c0d1e9f';
const BETA_KEY = 'a2a-beta-key-7a3b8e21';
const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const sha = (key: string) => createHash('sha256').update(key).digest('hex');

function asTask(result: unknown): Task {
  expect(result).toHaveProperty('status');
  return result as Task;
}

function textOf(task: Task, artifactId: string): unknown {
  const part = task.artifacts.find((a) => a.artifactId === artifactId)?.parts[0]?.content;
  return part?.value;
}

/** The A2A adapter, driven only through the official @a2a-js/sdk client against a real server, CLI and scripted model. */
describe('A2A (official @a2a-js/sdk client)', () => {
  let server: TestServer;
  const clients = new Map<string, Client>();
  const client = async (key: string, binding: Binding = 'JSONRPC') => {
    const name = `${key}/${binding}`;
    if (!clients.has(name)) clients.set(name, await a2aClient(server.baseUrl, key, binding));
    return clients.get(name)!;
  };

  beforeAll(async () => {
    const keysFile = path.join(process.env.TMPDIR ?? '/tmp', `ccs-a2a-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(
      keysFile,
      ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'),
    );
    server = await startTestServer({
      API_AUTH_ENABLED: 'true',
      API_KEYS_FILE: keysFile,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_RETRY_BASE_MS: '200',
      SESSION_MAX_CONCURRENT: '4',
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves a public agent card the client discovers both bindings from', async () => {
    const card = await (await client(ALPHA_KEY)).getAgentCard();
    expect(card.capabilities).toMatchObject({ streaming: true, pushNotifications: true });
    expect(card.supportedInterfaces.map((i) => i.protocolBinding).sort()).toEqual(['HTTP+JSON', 'JSONRPC']);
    expect(Object.keys(card.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
    expect(card.skills[0]?.id).toBe('coding-task');
  });

  for (const binding of ['JSONRPC', 'HTTP+JSON'] as const) {
    it(`${binding}: a task that writes a file completes with the file among its artifacts, and a resend is idempotent`, async () => {
      const a2a = await client(ALPHA_KEY, binding);
      const message = textMessage('[[script:write-file]]');
      const task = asTask(await a2a.sendMessage(sendRequest(message)));
      expect(task.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
      expect(task.id).toBe(message.messageId);
      expect(textOf(task, 'result')).toContain(HELLO_FILE);
      expect(textOf(task, 'changed-files')).toEqual({ changed_files: [expect.objectContaining({ path: HELLO_FILE, change: 'created' })] });
      const record = await request(server.baseUrl, 'GET', `/api/v1/tasks/${task.id}`, undefined, { 'x-api-key': ALPHA_KEY });
      expect(existsSync(path.join(String(record.body.workspace), HELLO_FILE))).toBe(true);

      const fetched = await a2a.getTask({ tenant: '', id: task.id });
      expect(fetched).toMatchObject({ id: task.id, contextId: task.contextId, status: { state: TaskState.TASK_STATE_COMPLETED } });
      // The same message again (a retry) is the same task: nothing runs twice.
      expect(asTask(await a2a.sendMessage(sendRequest(message))).id).toBe(task.id);
      const listed = await a2a.listTasks({ tenant: '', contextId: task.contextId, status: 0, pageToken: '', statusTimestampAfter: undefined });
      expect(listed.tasks.map((t) => t.id)).toEqual([task.id]);
    });
  }

  it('streams a run with its tool calls, then the artifacts and the final state', async () => {
    const a2a = await client(ALPHA_KEY);
    const events: StreamResponse[] = [];
    for await (const event of a2a.sendMessageStream(sendRequest(textMessage('[[script:multi-tool]]')))) events.push(event);
    expect(events[0]?.payload?.$case).toBe('task');
    const data = events.flatMap((e) => (e.payload?.$case === 'statusUpdate' ? (e.payload.value.status?.message?.parts ?? []) : [])).map((p) => p.content);
    const toolUses = data
      .filter((c) => c?.$case === 'data' && 'tool_use' in (c.value as object))
      .map((c) => (c!.value as { tool_use: { name: string } }).tool_use.name);
    expect(toolUses).toEqual(['Write', 'Bash']);
    expect(data.some((c) => c?.$case === 'data' && 'tool_result' in (c.value as object))).toBe(true);
    expect(events.some((e) => e.payload?.$case === 'artifactUpdate' && e.payload.value.artifact?.artifactId === 'changed-files')).toBe(true);
    const last = events.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('resubscribes after a dropped stream and resumes from Last-Event-ID with no gap and no repeat', async () => {
    const a2a = await client(ALPHA_KEY);
    const steps = [{ text: 'one' }, { tool: { name: 'Bash', input: { command: 'sleep 1; echo two' } } }, { text: 'three' }];
    const dropped = new AbortController();
    const seqs: number[] = [];
    let taskId = '';
    try {
      for await (const event of a2a.sendMessageStream(sendRequest(textMessage(inlineScript(steps)), {}), { signal: dropped.signal })) {
        if (event.payload?.$case === 'task') taskId = event.payload.value.id;
        const seq = seqOf(event);
        if (seq !== undefined) seqs.push(seq);
        if (seqs.length === 2) dropped.abort();
      }
    } catch (error) {
      expect(dropped.signal.aborted).toBe(true);
      expect(String(error)).toMatch(/abort/i);
    }
    expect(seqs).toEqual([1, 2]);
    const resumed: StreamResponse[] = [];
    for await (const event of a2a.resubscribeTask({ tenant: '', id: taskId }, { serviceParameters: { 'Last-Event-ID': String(seqs.at(-1)) } })) {
      resumed.push(event);
    }
    expect(resumed[0]?.payload?.$case).toBe('task');
    const all = [...seqs, ...resumed.map(seqOf).filter((s): s is number => s !== undefined)];
    const distinct = [...new Set(all)];
    expect(distinct).toEqual(Array.from({ length: distinct.length }, (_, i) => i + 1));
    // A seq repeats only where one event became several frames (complete: artifacts, then the final status).
    expect(all.filter((s) => s < distinct.length)).toEqual(distinct.slice(0, -1));
    const last = resumed.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
  });

  it('cancels a running task, and refuses to cancel it twice', async () => {
    const a2a = await client(ALPHA_KEY, 'HTTP+JSON');
    const started = asTask(await a2a.sendMessage(sendRequest(textMessage('[[script:slow]]'), { returnImmediately: true })));
    expect([TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING]).toContain(started.status?.state);
    const canceled = await a2a.cancelTask({ tenant: '', id: started.id, metadata: undefined });
    expect(canceled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    await expect(a2a.cancelTask({ tenant: '', id: started.id, metadata: undefined })).rejects.toMatchObject({ name: 'TaskNotCancelableError' });
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
    expect(textOf(second, 'result')).toContain('hello from the scripted model');
  });

  it('delivers push notifications through the signed webhook outbox, with the config token', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const a2a = await client(ALPHA_KEY);
      const request = sendRequest(textMessage('[[script:write-file]]'));
      request.configuration!.taskPushNotificationConfig = {
        tenant: '',
        id: 'cfg-1',
        taskId: '',
        url: receiver.url,
        token: 'token-7f2c',
        authentication: undefined,
      };
      const task = asTask(await a2a.sendMessage(request));
      const hook = await waitFor(async () => receiver.received[0]);
      expect(hook.headers['x-a2a-notification-token']).toBe('token-7f2c');
      expect(verifyStandardWebhook(SECRET, hook)).toBe(true);
      const body = JSON.parse(hook.body) as { task: { id: string; status: { state: string } } };
      expect(body.task).toMatchObject({ id: task.id, status: { state: 'TASK_STATE_COMPLETED' } });

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
    const task = asTask(await alpha.sendMessage(sendRequest(textMessage('[[script:write-file]]'))));
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
