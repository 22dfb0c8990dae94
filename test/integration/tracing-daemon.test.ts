import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { startDaemon } from '../helpers/daemon-process.js';
import { jsonSpans, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

/** The compiled daemon, configured only by the standard OTEL_* variables, as a deployment is. */
describe('tracing in the daemon', () => {
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

  it('sends the spans it still holds when it is stopped (SIGTERM), and logs trace_id with the task', async () => {
    const daemon = await startDaemon({
      CLAUDE_API_KEY: 'test-key-0123456789',
      CLAUDE_BASE_URL: model.url,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/custom/traces`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=collector-secret',
      // Far longer than the test: only the shutdown flush can deliver the spans.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      // No spare processes to start beside the one task: the test waits for that task alone.
      WARM_POOL_SIZE: '0',
    });
    let exitCode: number | null = null;
    try {
      const submit = await request<{ trace_id: string }>(daemon.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'daemon-traced', prompt: 'hello' });
      expect(submit.body.trace_id).toMatch(/^[0-9a-f]{32}$/);
      await waitForStatus(daemon.baseUrl, 'daemon-traced', ['completed'], 90_000);
      expect(receiver.received).toEqual([]);
      exitCode = await daemon.stop('SIGTERM');
      const { spans } = jsonSpans(receiver.received);
      expect(spans.filter((s) => s.traceId === submit.body.trace_id).map((s) => s.name)).toEqual(
        expect.arrayContaining(['task', 'queue_wait', 'agent_start', 'turn']),
      );
      expect(receiver.received.every((r) => r.path === '/custom/traces' && r.headers['x-collector-key'] === 'collector-secret')).toBe(true);
      const started = daemon
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"message":"Task started"'));
      expect(started).toHaveLength(1);
      expect(JSON.parse(started[0]!)).toMatchObject({ task_id: 'daemon-traced', trace_id: submit.body.trace_id });
    } finally {
      if (exitCode === null) await daemon.stop('SIGKILL');
    }
    expect(exitCode).toBe(0);
  }, 150_000);
});
