import { TaskState, type StreamResponse } from '@a2a-js/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/client.js';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';
import type { TestServer } from '../helpers/test-server.js';
import { a2aClient, ALPHA_KEY, asTask, BETA_KEY, inlineScript, sendRequest, seqOf, startA2aServer, textMessage } from './a2a-client.js';

/** Two instances on one Redis: an A2A client may reach either for any step of a task's life. */
describe('A2A on two instances sharing Redis (official @a2a-js/sdk client)', { timeout: 180_000 }, () => {
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    pair = await startInstancePair('a2a', {}, startA2aServer);
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('sends through one instance, then answers the approval, follows the stream and lists through the other', async () => {
    const viaA = await a2aClient(a.baseUrl, ALPHA_KEY);
    const viaB = await a2aClient(b.baseUrl, ALPHA_KEY, 'HTTP+JSON');
    const prompt = inlineScript([{ tool: { name: 'Bash', input: { command: 'echo shared' } } }, { text: 'done on redis' }]);
    const metadata = { ccs: { options: { allowed_tools: ['Read', 'Bash'], require_approval: ['Bash'] } } };
    const sent = asTask(await viaA.sendMessage(sendRequest(textMessage(prompt), { metadata, returnImmediately: true })));

    const waiting = await waitFor(async () => {
      const task = await viaB.getTask({ tenant: '', id: sent.id });
      return task.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED ? task : undefined;
    });
    expect(waiting.contextId).toBe(sent.contextId);
    const answered = asTask(await viaB.sendMessage(sendRequest(textMessage('allow', { taskId: sent.id }))));
    expect(answered.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);

    const events: StreamResponse[] = [];
    for await (const event of viaB.resubscribeTask({ tenant: '', id: sent.id })) events.push(event);
    const seqs = [...new Set(events.map(seqOf).filter((s): s is number => s !== undefined))];
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    const last = events.at(-1)?.payload;
    expect(last?.$case === 'statusUpdate' && last.value.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);

    expect((await viaA.listTasks({ tenant: '', contextId: '', status: 0, pageToken: '', statusTimestampAfter: undefined })).tasks.map((t) => t.id)).toContain(
      sent.id,
    );
    const beta = await a2aClient(b.baseUrl, BETA_KEY);
    await expect(beta.getTask({ tenant: '', id: sent.id })).rejects.toMatchObject({ name: 'TaskNotFoundError' });
  });
});
