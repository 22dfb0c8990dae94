import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';
import { one, traceOf, viewOf } from '../helpers/span-tree.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

/** Two instances on one Redis, each with an exporter of its own: which one recorded what shows. */
describe('one trace across instances (Redis)', () => {
  const exporters = new Map<string, InMemorySpanExporter>();
  let model: ScriptedModel;
  let pair: InstancePair;

  beforeAll(async () => {
    model = await startScriptedModel();
    pair = await startInstancePair('tracing', { SESSION_MAX_CONCURRENT: '1' }, async (env): Promise<TestServer> => {
      const exporter = new InMemorySpanExporter();
      exporters.set(env.INSTANCE_ID!, exporter);
      return startTestServer(env, model, { traceExporter: exporter });
    });
  });
  afterAll(async () => {
    await pair?.close();
    await model?.close();
  });

  it('a task submitted on one instance and run on the other is one trace under the caller', async () => {
    const { a, b } = pair;
    // The blocker takes one instance's only slot, so a task submitted there runs on the other.
    await request(a.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'blocker', prompt: '[[script:slow]]' });
    const blocker = await waitForStatus(a.baseUrl, 'blocker', ['running']);
    const busy = blocker.instance_id === 'instance-a' ? a : b;
    const free = busy === a ? 'instance-b' : 'instance-a';
    const submitted = await request<{ trace_id: string }>(
      busy.baseUrl,
      'POST',
      '/api/v1/tasks',
      { task_id: 'moved', prompt: '[[script:bash]] [[cmd:echo moved]]' },
      { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    );
    expect(submitted.body.trace_id).toBe(CALLER_TRACE);
    expect(await waitForStatus(busy.baseUrl, 'moved', ['completed'])).toMatchObject({ instance_id: free, trace_id: CALLER_TRACE });

    const spans = await traceOf(exporters.get(free)!, CALLER_TRACE);
    const task = one(spans, 'task');
    expect(task.parentSpanId).toBe(CALLER_SPAN);
    expect(task.attributes).toMatchObject({ task_id: 'moved', instance_id: free, status: 'completed' });
    // The submitting instance chose the task span's id; the runner's spans hang under it.
    for (const name of ['queue_wait', 'agent_start', 'turn']) expect(spans.find((s) => s.name === name)?.parentSpanId).toBe(task.spanId);
    expect(one(spans, 'execute_tool Bash').traceId).toBe(CALLER_TRACE);
    const busyId = free === 'instance-a' ? 'instance-b' : 'instance-a';
    expect(
      exporters
        .get(busyId)!
        .getFinishedSpans()
        .map(viewOf)
        .filter((s) => s.traceId === CALLER_TRACE),
    ).toEqual([]);
    await request(a.baseUrl, 'POST', '/api/v1/tasks/blocker/interrupt');
  });
});
