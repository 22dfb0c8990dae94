import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startMetricsServer, type MetricsServer } from '../../src/observability/metrics-server.js';
import { Metrics } from '../../src/observability/metrics.js';
import type { Task } from '../../src/tasks/task-types.js';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';

function finishedTask(patch: Partial<Task>): Task {
  return {
    task_id: 't',
    tenant_id: 'default',
    session_id: 's',
    prompt: 'p',
    workspace: '/w',
    options: { allowed_tools: null, permission_mode: null, max_turns: null, timeout: null, model: null },
    status: 'completed',
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: '2026-01-01T00:00:00.000Z',
    completed_at: '2026-01-01T00:00:02.000Z',
    result: 'ok',
    usage: { input_tokens: 100, output_tokens: 20 },
    num_turns: 1,
    cost_usd: 0.01,
    duration_ms: 2000,
    error: null,
    request_hash: 'h',
    webhook: null,
    changed_files: null,
    ...patch,
  };
}

describe('Metrics', () => {
  it('starts with zeroed task and token series, and no process metrics when asked not to', async () => {
    const samples = parsePrometheus(await new Metrics({ defaultMetrics: false }).render());
    for (const status of ['completed', 'failed', 'interrupted', 'timed_out']) {
      expect(sampleValue(samples, 'tasks_total', { status })).toBe(0);
      expect(sampleValue(samples, 'tasks_duration_seconds_count', { status })).toBe(0);
    }
    expect(sampleValue(samples, 'tokens_used_total', { type: 'input' })).toBe(0);
    expect(samples.some((s) => s.name.startsWith('process_'))).toBe(false);
    // Without sources the gauges report 0 rather than failing the scrape.
    expect(sampleValue(samples, 'active_sessions')).toBe(0);
  });

  it('records finished tasks through the finisher hook', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const listeners: ((task: Task) => void)[] = [];
    metrics.observeTasks({ onFinish: (listener) => listeners.push(listener) });
    for (const listener of listeners) {
      listener(finishedTask({}));
      listener(finishedTask({ status: 'interrupted', duration_ms: null, usage: { input_tokens: 0, output_tokens: 0 }, cost_usd: 0 }));
    }
    const samples = parsePrometheus(await metrics.render());
    expect(sampleValue(samples, 'tasks_total', { status: 'completed' })).toBe(1);
    expect(sampleValue(samples, 'tasks_total', { status: 'interrupted' })).toBe(1);
    expect(sampleValue(samples, 'tasks_duration_seconds_sum', { status: 'completed' })).toBe(2);
    expect(sampleValue(samples, 'tasks_duration_seconds_bucket', { status: 'completed', le: '1' })).toBe(0);
    expect(sampleValue(samples, 'tasks_duration_seconds_bucket', { status: 'completed', le: '5' })).toBe(1);
    // Interrupted while queued: counted, but it never ran, so it has no duration.
    expect(sampleValue(samples, 'tasks_duration_seconds_count', { status: 'interrupted' })).toBe(0);
    expect(sampleValue(samples, 'tokens_used_total', { type: 'input' })).toBe(100);
    expect(sampleValue(samples, 'tokens_used_total', { type: 'output' })).toBe(20);
    expect(sampleValue(samples, 'task_cost_usd_total')).toBeCloseTo(0.01, 12);
  });

  it('reads gauges from their sources at scrape time', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    let queued = 3;
    metrics.setSources({ queueDepth: () => queued, runningTasks: () => 2, subscribers: () => 5, activeSessions: async () => 7 });
    let samples = parsePrometheus(await metrics.render());
    expect(sampleValue(samples, 'task_queue_depth')).toBe(3);
    expect(sampleValue(samples, 'tasks_running')).toBe(2);
    expect(sampleValue(samples, 'websocket_subscribers')).toBe(5);
    expect(sampleValue(samples, 'active_sessions')).toBe(7);
    queued = 0;
    samples = parsePrometheus(await metrics.render());
    expect(sampleValue(samples, 'task_queue_depth')).toBe(0);
  });

  it('exports agent_process_memory_bytes once its source is registered', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    expect(await metrics.render()).not.toContain('agent_process_memory_bytes');
    metrics.registerAgentProcessMemory(
      async () => [
        { bytes: 100, labels: { kind: 'busy' } },
        { bytes: 50, labels: { kind: 'spare' } },
      ],
      ['kind'],
    );
    const samples = parsePrometheus(await metrics.render());
    expect(sampleValue(samples, 'agent_process_memory_bytes', { kind: 'busy' })).toBe(100);
    expect(sampleValue(samples, 'agent_process_memory_bytes', { kind: 'spare' })).toBe(50);
  });

  it('keeps each registry to itself', async () => {
    const a = new Metrics({ defaultMetrics: false });
    const b = new Metrics({ defaultMetrics: false });
    a.recordHttpRequest('GET', '/health', 200, 0.001);
    expect(sampleValue(parsePrometheus(await a.render()), 'http_requests_total', { method: 'GET', route: '/health', status_code: '200' })).toBe(1);
    expect(sampleValue(parsePrometheus(await b.render()), 'http_requests_total', { method: 'GET', route: '/health', status_code: '200' })).toBeUndefined();
  });
});

describe('metrics server', () => {
  let server: MetricsServer;
  beforeAll(async () => {
    server = await startMetricsServer({ metrics: new Metrics(), host: '127.0.0.1', port: 0, logger: silentLogger });
  });
  afterAll(async () => server?.close());

  it('serves /metrics in the Prometheus text format, with the process metrics, and nothing else', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await response.text());
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('refuses a METRICS_PORT equal to SERVER_PORT', () => {
    expect(() => loadConfig({ CLAUDE_API_KEY: 'k', SERVER_PORT: '9000', METRICS_PORT: '9000' })).toThrow(ConfigError);
    expect(loadConfig({ CLAUDE_API_KEY: 'k', SERVER_PORT: '0', METRICS_PORT: '0' }).metricsPort).toBe(0);
  });
});
