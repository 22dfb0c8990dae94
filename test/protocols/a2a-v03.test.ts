import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Message, MessageSendParams, Part, Task, TaskArtifactUpdateEvent, TaskStatusUpdateEvent } from 'a2a-sdk-v03';
import { ClientFactory, ClientFactoryOptions, createAuthenticatingFetchWithRetry, JsonRpcTransportFactory, type Client } from 'a2a-sdk-v03/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELLO_FILE } from '../../src/dev/scripted-model/builtin-scripts.js';
import { request, waitFor } from '../helpers/client.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import type { TestServer } from '../helpers/test-server.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { ALPHA_KEY, BETA_KEY, inlineScript, startA2aServer } from './a2a-client.js';

// Real CLI runs on a shared machine: minutes are no threshold, only a bound on a hang.
const SLOW_MACHINE = { timeout: 180_000 };

type StreamEvent = Message | Task | TaskStatusUpdateEvent | TaskArtifactUpdateEvent;

/** An A2A 0.3 client (@a2a-js/sdk 0.3.x) as its README shows it, its API key sent on every call. */
async function v03Client(baseUrl: string, apiKey: string): Promise<Client> {
  const fetchImpl = createAuthenticatingFetchWithRetry(fetch, {
    headers: async () => ({ 'X-API-Key': apiKey }),
    shouldRetryWithHeaders: async () => undefined,
  });
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory({ fetchImpl })] }),
  );
  return factory.createFromUrl(baseUrl);
}

function message(text: string, fields: Partial<Message> = {}): Message {
  return { kind: 'message', messageId: randomUUID(), role: 'user', parts: [{ kind: 'text', text }], ...fields };
}

function asTask(result: unknown): Task {
  if (!result || typeof result !== 'object' || (result as { kind?: string }).kind !== 'task') throw new Error(`expected a task, got ${JSON.stringify(result)}`);
  return result as Task;
}

const dataOf = (parts: Part[] | undefined): Record<string, unknown>[] => (parts ?? []).flatMap((p) => (p.kind === 'data' ? [p.data] : []));
const seqOf = (event: StreamEvent): number | undefined =>
  event.kind === 'status-update' || event.kind === 'artifact-update' ? (event.metadata?.ccs as { seq?: number } | undefined)?.seq : undefined;

/** A2A 0.3 clients (JSON-RPC `message/send`, `kind` shapes, lower-case states) against the same server, tasks and log. */
describe('A2A 0.3 (official @a2a-js/sdk 0.3 client)', SLOW_MACHINE, () => {
  let server: TestServer;
  let alpha: Client;
  let beta: Client;

  beforeAll(async () => {
    server = await startA2aServer();
    alpha = await v03Client(server.baseUrl, ALPHA_KEY);
    beta = await v03Client(server.baseUrl, BETA_KEY);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('runs a task that writes a file: completed, the file named in its artifacts; a resend is the same task', async () => {
    const card = await alpha.getAgentCard();
    expect(card).toMatchObject({
      url: `${server.baseUrl}/a2a/jsonrpc`,
      preferredTransport: 'JSONRPC',
      capabilities: { streaming: true, pushNotifications: true },
    });
    const sent = message('[[script:write-file]]');
    const task = asTask(await alpha.sendMessage({ message: sent }));
    expect(task.status.state).toBe('completed');
    expect(task.id).toBe(sent.messageId);
    const changed = task.artifacts?.find((a) => a.artifactId === 'changed-files');
    expect(dataOf(changed?.parts)).toEqual([{ changed_files: [expect.objectContaining({ path: HELLO_FILE, change: 'created' })] }]);
    const result = task.artifacts?.find((a) => a.artifactId === 'result')?.parts[0];
    expect(result?.kind === 'text' && result.text).toContain(HELLO_FILE);
    const record = await request(server.baseUrl, 'GET', `/api/v1/tasks/${task.id}`, undefined, { 'x-api-key': ALPHA_KEY });
    expect(existsSync(path.join(String(record.body.workspace), HELLO_FILE))).toBe(true);

    expect(await alpha.getTask({ id: task.id })).toMatchObject({ kind: 'task', id: task.id, contextId: task.contextId, status: { state: 'completed' } });
    expect(asTask(await alpha.sendMessage({ message: sent })).id).toBe(task.id);
  });

  it('streams a run with its tool calls, then the artifacts and a final completed status', async () => {
    const events: StreamEvent[] = [];
    for await (const event of alpha.sendMessageStream({ message: message('[[script:multi-tool]]') })) events.push(event);
    expect(events[0]?.kind).toBe('task');
    const data = events.flatMap((e) => (e.kind === 'status-update' ? dataOf(e.status.message?.parts) : []));
    expect(data.filter((d) => 'tool_use' in d).map((d) => (d.tool_use as { name: string }).name)).toEqual(['Write', 'Bash']);
    expect(data.some((d) => 'tool_result' in d)).toBe(true);
    expect(events.some((e) => e.kind === 'artifact-update' && e.artifact.artifactId === 'changed-files')).toBe(true);
    const last = events.at(-1);
    expect(last?.kind === 'status-update' && [last.status.state, last.final]).toEqual(['completed', true]);
  });

  it('resubscribes after a dropped stream and resumes from Last-Event-ID with no gap and no repeat', async () => {
    const steps = [{ text: 'one' }, { tool: { name: 'Bash', input: { command: 'sleep 1; echo two' } } }, { text: 'three' }];
    const dropped = new AbortController();
    const seqs: number[] = [];
    let taskId = '';
    try {
      for await (const event of alpha.sendMessageStream({ message: message(inlineScript(steps)) }, { signal: dropped.signal })) {
        if (event.kind === 'task') taskId = event.id;
        const seq = seqOf(event);
        if (seq !== undefined) seqs.push(seq);
        if (seqs.length === 2) dropped.abort();
      }
    } catch (error) {
      expect(dropped.signal.aborted).toBe(true);
      expect(String(error)).toMatch(/abort/i);
    }
    expect(seqs).toEqual([1, 2]);
    const resumed: StreamEvent[] = [];
    for await (const event of alpha.resubscribeTask({ id: taskId }, { serviceParameters: { 'Last-Event-ID': String(seqs.at(-1)) } })) resumed.push(event);
    expect(resumed[0]?.kind).toBe('task');
    const all = [...seqs, ...resumed.map(seqOf).filter((s): s is number => s !== undefined)];
    const distinct = [...new Set(all)];
    expect(distinct).toEqual(Array.from({ length: distinct.length }, (_, i) => i + 1));
    // A seq repeats only where one event became several frames (complete: artifacts, then the final status).
    expect(all.filter((s) => s < distinct.length)).toEqual(distinct.slice(0, -1));
    const last = resumed.at(-1);
    expect(last?.kind === 'status-update' && last.status.state).toBe('completed');
  });

  it('holds a tool call as input-required until a message on the task allows it', async () => {
    const prompt = inlineScript([{ tool: { name: 'Bash', input: { command: 'echo approved > approved.txt' } } }, { text: 'done after approval' }]);
    const params: MessageSendParams = {
      message: message(prompt),
      metadata: { ccs: { options: { allowed_tools: ['Read', 'Bash'], require_approval: ['Bash'] } } },
    };
    const waiting = asTask(await alpha.sendMessage(params));
    expect(waiting.status.state).toBe('input-required');
    expect(dataOf(waiting.status.message?.parts)[0]).toMatchObject({ permission_request: { tool_name: 'Bash' } });
    const record = await request(server.baseUrl, 'GET', `/api/v1/tasks/${waiting.id}`, undefined, { 'x-api-key': ALPHA_KEY });
    expect(existsSync(path.join(String(record.body.workspace), 'approved.txt'))).toBe(false);

    const answer = message('', { taskId: waiting.id, contextId: waiting.contextId, parts: [{ kind: 'data', data: { decision: 'allow' } }] });
    const answered = asTask(await alpha.sendMessage({ message: answer }));
    expect(answered.status.state).toBe('completed');
    expect(readFileSync(path.join(String(record.body.workspace), 'approved.txt'), 'utf8')).toBe('approved\n');
    await expect(alpha.sendMessage({ message: message('allow', { taskId: waiting.id }) })).rejects.toMatchObject({
      name: 'UnsupportedOperationError',
      errorResponse: { error: { code: -32004, data: { code: 'TASK_NOT_RUNNING' } } },
    });
  });

  it('cancels a task sent without blocking, refuses to cancel it twice, and pushes its end to the config set on it', async () => {
    const receiver = await startWebhookReceiver();
    try {
      const started = asTask(await alpha.sendMessage({ message: message('[[script:slow]]'), configuration: { blocking: false } }));
      expect(['submitted', 'working']).toContain(started.status.state);
      const config = { id: 'cfg-03', url: receiver.url, token: 'token-03' };
      expect(await alpha.setTaskPushNotificationConfig({ taskId: started.id, pushNotificationConfig: config })).toEqual({
        taskId: started.id,
        pushNotificationConfig: config,
      });
      expect(await alpha.getTaskPushNotificationConfig({ id: started.id })).toMatchObject({
        pushNotificationConfig: config,
      });
      expect(await alpha.listTaskPushNotificationConfig({ id: started.id })).toEqual([{ taskId: started.id, pushNotificationConfig: config }]);

      const canceled = await alpha.cancelTask({ id: started.id });
      expect(canceled).toMatchObject({ kind: 'task', id: started.id, status: { state: 'canceled' } });
      await expect(alpha.cancelTask({ id: started.id })).rejects.toMatchObject({
        name: 'TaskNotCancelableError',
        errorResponse: { error: { code: -32002, data: { code: 'TASK_NOT_RUNNING' } } },
      });
      const hook = await waitFor(async () => receiver.received.find((h) => h.body.includes(started.id)));
      expect(hook.headers['x-a2a-notification-token']).toBe('token-03');
      await alpha.deleteTaskPushNotificationConfig({ id: started.id, pushNotificationConfigId: 'cfg-03' });
      expect(await alpha.listTaskPushNotificationConfig({ id: started.id })).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it("keeps tenants apart: another tenant's 0.3 client finds none of the first one's tasks", async () => {
    const task = asTask(await alpha.sendMessage({ message: message('[[script:write-file]]'), configuration: { blocking: false } }));
    const notFound = { name: 'TaskNotFoundError', errorResponse: { error: { code: -32001, data: { code: 'TASK_NOT_FOUND' } } } };
    await expect(beta.getTask({ id: task.id })).rejects.toMatchObject(notFound);
    await expect(beta.cancelTask({ id: task.id })).rejects.toMatchObject(notFound);
    await expect(beta.listTaskPushNotificationConfig({ id: task.id })).rejects.toMatchObject(notFound);
    const resubscribe = async () => {
      for await (const _ of beta.resubscribeTask({ id: task.id })) return;
    };
    // The 0.3 client raises a stream's error frame as an Error whose cause is the A2A error.
    await expect(resubscribe()).rejects.toMatchObject({ cause: notFound });
    await expect(beta.sendMessage({ message: message('allow', { taskId: task.id }) })).rejects.toMatchObject(notFound);
  });

  it('refuses a file part as a prompt with ContentTypeNotSupported, and runs nothing', async () => {
    const sent = message('read this', {
      parts: [
        { kind: 'text', text: 'read this' },
        { kind: 'file', file: { uri: 'https://example.com/a.txt' } },
      ],
    });
    await expect(alpha.sendMessage({ message: sent })).rejects.toMatchObject({
      name: 'ContentTypeNotSupportedError',
      errorResponse: { error: { code: -32005 } },
    });
    await expect(alpha.getTask({ id: sent.messageId })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
  });

  it('counts 0.3 requests in protocol_requests_total by method and outcome', async () => {
    const samples = parsePrometheus(await (await fetch(server.metricsUrl)).text());
    expect(sampleValue(samples, 'protocol_requests_total', { protocol: 'a2a', operation: 'message/send', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'protocol_requests_total', { protocol: 'a2a', operation: 'tasks/get', outcome: 'TASK_NOT_FOUND' })).toBeGreaterThan(0);
  });
});
