import { randomUUID } from 'node:crypto';
import { HttpAgent, type BaseEvent, type Interrupt, type RunAgentParameters } from '@ag-ui/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';
import type { TestServer } from '../helpers/test-server.js';

const API_KEY = 'agui-redis-key-0123456789';
const inlineScript = (steps: unknown[]) => `[[script:${JSON.stringify({ steps })}]]`;
const bashStep = (command: string) => ({ tool: { name: 'Bash', input: { command } } });

type Event = BaseEvent & Record<string, unknown>;

/** AG-UI on two instances sharing one Redis: a run started on one is resumed and replayed on the other. */
describe('AG-UI on two instances with STORAGE_TYPE=redis', () => {
  let pair: InstancePair;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    pair = await startInstancePair('agui', { API_AUTH_ENABLED: 'true', API_API_KEY: API_KEY });
    ({ a, b } = pair);
  });
  afterAll(async () => {
    await pair?.close();
  });

  const agentOn = (server: TestServer, threadId: string = randomUUID()) =>
    new HttpAgent({ url: `${server.baseUrl}/agui`, headers: { 'X-API-Key': API_KEY }, threadId });

  async function run(agent: HttpAgent, prompt: string | null, params: RunAgentParameters = {}, onEvent?: (event: Event) => void) {
    if (prompt !== null) agent.addMessage({ id: randomUUID(), role: 'user', content: prompt });
    const events: Event[] = [];
    await agent.runAgent(params, {
      onEvent: ({ event }) => {
        events.push(event as Event);
        onEvent?.(event as Event);
      },
    });
    return events;
  }

  it('an approval interrupted through one instance is resumed through the other (wherever the task runs)', async () => {
    const onA = agentOn(a);
    const forwardedProps = { options: { allowed_tools: ['Bash'], require_approval: ['Bash'] } };
    const paused = await run(onA, inlineScript([bashStep('echo allowed elsewhere'), { text: 'done after approval' }]), { forwardedProps });
    const [interrupt] = (paused.at(-1)!.outcome as { interrupts: Interrupt[] }).interrupts;

    // The other instance, with the client's thread and messages as HttpAgent keeps them.
    const onB = agentOn(b, onA.threadId);
    onB.messages = onA.messages;
    const resumed = await run(onB, null, { resume: [{ interruptId: interrupt!.id, status: 'resolved', payload: { decision: 'allow' } }] });
    expect(resumed.find((e) => e.type === 'TOOL_CALL_RESULT')).toMatchObject({
      toolCallId: interrupt!.toolCallId,
      content: expect.stringContaining('allowed elsewhere'),
    });
    expect(resumed.at(-1)).toMatchObject({ type: 'RUN_FINISHED', outcome: { type: 'success' } });
  });

  it('a run cut on one instance is replayed through the other from its first event, then followed to its end', async () => {
    const onA = agentOn(a);
    const runId = `agui-redis-${randomUUID()}`;
    const prompt = inlineScript([bashStep('echo one'), bashStep('sleep 2 && echo two'), { text: 'all done' }]);
    const params = { runId, forwardedProps: { on_disconnect: 'continue' } };
    const first = await run(onA, prompt, params, (event) => {
      if (event.type === 'TOOL_CALL_RESULT') onA.abortRun();
    });
    const received = first.filter((e) => !(e.type === 'RUN_ERROR' && e.code === 'abort'));
    expect(received.some((e) => e.type === 'RUN_FINISHED')).toBe(false);

    const events = await run(agentOn(b, onA.threadId), prompt, params);
    expect(events.slice(0, received.length)).toEqual(received);
    expect(events.filter((e) => e.type === 'TOOL_CALL_RESULT').map((e) => (e.content as string).trim())).toEqual(['one', 'two']);
    expect(events.at(-1)).toMatchObject({ type: 'RUN_FINISHED', runId, outcome: { type: 'success' } });
  });
});
