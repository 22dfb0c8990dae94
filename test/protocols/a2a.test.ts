import { existsSync } from 'node:fs';
import path from 'node:path';
import { TaskState, type StreamResponse } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELLO_FILE } from '../../src/dev/scripted-model/builtin-scripts.js';
import { request } from '../helpers/client.js';
import type { TestServer } from '../helpers/test-server.js';
import { ALPHA_KEY, artifactValue, asTask, clientCache, inlineScript, sendRequest, seqOf, startA2aServer, textMessage } from './a2a-client.js';

// Real CLI runs on a shared machine: minutes are no threshold, only a bound on a hang.
const SLOW_MACHINE = { timeout: 180_000 };

/** The A2A adapter (tasks, streams, cancel), driven only through the official @a2a-js/sdk client against a real server, CLI and scripted model. */
describe('A2A (official @a2a-js/sdk client)', SLOW_MACHINE, () => {
  let server: TestServer;
  const client = clientCache(() => server);

  beforeAll(async () => {
    server = await startA2aServer();
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
      expect(artifactValue(task, 'result')).toContain(HELLO_FILE);
      expect(artifactValue(task, 'changed-files')).toEqual({ changed_files: [expect.objectContaining({ path: HELLO_FILE, change: 'created' })] });
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
});
