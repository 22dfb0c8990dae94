import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { jsonSpans, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { startTestServer } from '../helpers/test-server.js';

describe('traces to an OTLP/HTTP receiver', () => {
  let model: ScriptedModel;
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    model = await startScriptedModel();
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await model?.close();
  });

  it('http/json: the spans arrive as OTLP JSON at /v1/traces, with the service name and the task span tree', async () => {
    const server = await startTestServer(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'ccs-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
      model,
    );
    try {
      const submit = await request<{ trace_id: string }>(server.baseUrl, 'POST', '/api/v1/tasks', {
        task_id: 'json',
        prompt: '[[script:bash]] [[cmd:echo hi]]',
      });
      const traceId = submit.body.trace_id;
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(await waitForStatus(server.baseUrl, 'json', ['completed'])).toMatchObject({ trace_id: traceId });
      const { spans, serviceNames } = await waitFor(async () => {
        const got = jsonSpans(receiver.received.filter((r) => r.contentType.includes('json')));
        return got.spans.some((s) => s.name === 'task' && s.traceId === traceId) ? got : undefined;
      });
      expect(receiver.received.every((r) => r.path === '/v1/traces')).toBe(true);
      expect(serviceNames).toContain('ccs-under-test');
      const ofTask = spans.filter((s) => s.traceId === traceId);
      const task = ofTask.find((s) => s.name === 'task')!;
      expect(task.parentSpanId ?? '').toBe('');
      expect(task.attributes.find((a) => a.key === 'task_id')?.value.stringValue).toBe('json');
      const names = ofTask.map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining(['task', 'queue_wait', 'agent_start', 'turn', 'execute_tool Bash']));
      expect(names.some((n) => n.startsWith('chat'))).toBe(true);
      const turnIds = ofTask.filter((s) => s.name === 'turn').map((s) => s.spanId);
      expect(turnIds).toContain(ofTask.find((s) => s.name === 'execute_tool Bash')!.parentSpanId);
    } finally {
      await server.close();
    }
  });

  it('http/protobuf (the default protocol): protobuf bodies carrying the task trace id reach /v1/traces', async () => {
    const server = await startTestServer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '50' }, model);
    try {
      const submit = await request<{ trace_id: string }>(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'proto', prompt: 'hello' });
      const traceId = Buffer.from(submit.body.trace_id, 'hex');
      await waitForStatus(server.baseUrl, 'proto', ['completed']);
      // Protobuf carries ids as raw bytes: the trace id's 16 bytes are in the body.
      // Spans may come in several batches; the task span is recorded last, as the task ends.
      const bodies = await waitFor(async () => {
        const ofTask = receiver.received.filter((r) => r.contentType === 'application/x-protobuf' && r.body.includes(traceId));
        const all = Buffer.concat(ofTask.map((r) => r.body));
        return ['queue_wait', 'agent_start', 'turn', 'invoke_agent'].every((name) => all.includes(Buffer.from(name))) ? ofTask : undefined;
      });
      expect(bodies.every((r) => r.path === '/v1/traces')).toBe(true);
    } finally {
      await server.close();
    }
  });
});
