import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { TERMINAL_STATUSES, type Task } from '../tasks/task-types.js';
import { DEFAULT_TENANT_ID } from '../tenancy/tenant.js';

/** Label names, in one place. Task metrics carry the owning tenant ('default' without tenants). */
const HTTP_LABELS = ['method', 'route', 'status_code'] as const;
const TASK_LABELS = ['status', 'tenant'] as const;
const TOKEN_LABELS = ['type', 'tenant'] as const;
const TENANT_LABELS = ['tenant'] as const;

/** Task durations run from seconds to the 1 h default timeout and beyond (up to 24 h allowed). */
export const TASK_DURATION_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600] as const;
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** The route label for requests that matched no route (404s), so random URLs cannot explode the label set. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Live values read at scrape time, so they can never drift from the source of truth. */
export interface MetricsSources {
  queueDepth(): number;
  runningTasks(): number;
  /** Open event streams: WebSocket and SSE subscribers. */
  subscribers(): number;
  /** Sessions that are not expired. */
  activeSessions(): Promise<number>;
}

/**
 * Hook for whoever owns the agent processes: resident memory of the live Claude Code
 * processes, in bytes. One entry per process (or one total); `labels` may name e.g. a session.
 */
export type AgentProcessMemorySource = () => readonly AgentProcessMemorySample[] | Promise<readonly AgentProcessMemorySample[]>;
export interface AgentProcessMemorySample {
  bytes: number;
  labels?: Record<string, string>;
}

/** What the agent process manager reports. */
export interface AgentProcessSource {
  stats(): {
    busy: number;
    idle: number;
    spare: number;
    exiting: number;
    starts: Record<string, number>;
    cold_starts: Record<string, number>;
    cold_no_matching_spare: number;
  };
  memoryBytes(): Promise<number>;
}

/** Anything with TaskFinisher's listener hook. */
export interface FinishNotifier {
  onFinish(listener: (task: Task) => void): void;
}

/**
 * Every Prometheus metric of the server, in a registry of its own (never prom-client's global
 * one, so several servers in one process — the tests — do not collide).
 */
export class Metrics {
  readonly registry = new Registry();
  private sources: MetricsSources | undefined;

  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests handled, by method, route pattern and status code.',
    labelNames: HTTP_LABELS,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status code.',
    labelNames: HTTP_LABELS,
    buckets: [...HTTP_DURATION_BUCKETS],
    registers: [this.registry],
  });
  readonly tasksTotal = new Counter({
    name: 'tasks_total',
    help: 'Tasks that reached a final status, by status.',
    labelNames: TASK_LABELS,
    registers: [this.registry],
  });
  readonly taskDuration = new Histogram({
    name: 'tasks_duration_seconds',
    help: 'How long finished tasks ran (from start to final status), by final status.',
    labelNames: TASK_LABELS,
    buckets: [...TASK_DURATION_BUCKETS],
    registers: [this.registry],
  });
  readonly tokensUsed = new Counter({
    name: 'tokens_used_total',
    help: 'Model tokens used by finished tasks, by type (input or output).',
    labelNames: TOKEN_LABELS,
    registers: [this.registry],
  });
  readonly costUsd = new Counter({
    name: 'task_cost_usd_total',
    help: 'Model cost of finished tasks in US dollars, as reported by the Agent SDK.',
    labelNames: TENANT_LABELS,
    registers: [this.registry],
  });

  readonly webhookDeliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Webhook delivery attempts by result: delivered, retry (failed, will be retried) or failed (given up).',
    labelNames: ['result'],
    registers: [this.registry],
  });

  /** The REST API is counted by http_requests_total; this counts what arrives through the open agent protocols. */
  readonly protocolRequests = new Counter({
    name: 'protocol_requests_total',
    help: 'Requests through each open agent protocol (a2a, agui, acp), by operation and outcome (ok or an error code).',
    labelNames: ['protocol', 'operation', 'outcome'],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean; instanceId?: string } = {}) {
    // Several instances behind one load balancer: every series says which one it came from.
    if (options.instanceId !== undefined) this.registry.setDefaultLabels({ instance: options.instanceId });
    const sources = (): MetricsSources | undefined => this.sources;
    new Gauge({
      name: 'active_sessions',
      help: 'Open sessions (idle or busy, not expired).',
      registers: [this.registry],
      async collect() {
        const s = sources();
        if (s) this.set(await s.activeSessions());
      },
    });
    new Gauge({
      name: 'task_queue_depth',
      help: 'Tasks waiting for a free slot.',
      registers: [this.registry],
      collect() {
        const s = sources();
        if (s) this.set(s.queueDepth());
      },
    });
    new Gauge({
      name: 'tasks_running',
      help: 'Tasks running now.',
      registers: [this.registry],
      collect() {
        const s = sources();
        if (s) this.set(s.runningTasks());
      },
    });
    new Gauge({
      name: 'websocket_subscribers',
      help: 'Open event streams (WebSocket and Server-Sent Events subscribers).',
      registers: [this.registry],
      collect() {
        const s = sources();
        if (s) this.set(s.subscribers());
      },
    });
    // Zero-initialise the label sets dashboards expect, so rate() works from the first task.
    // The default tenant's series exist from the start, so dashboards see zeros, not gaps.
    const tenant = DEFAULT_TENANT_ID;
    for (const status of TERMINAL_STATUSES) {
      this.tasksTotal.inc({ status, tenant }, 0);
      this.taskDuration.zero({ status, tenant });
    }
    for (const type of ['input', 'output']) this.tokensUsed.inc({ type, tenant }, 0);
    this.costUsd.inc({ tenant }, 0);
    for (const result of ['delivered', 'retry', 'failed']) this.webhookDeliveries.inc({ result }, 0);
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the scrape-time gauges read their values. */
  setSources(sources: MetricsSources): void {
    this.sources = sources;
  }

  /** Counts every task that reaches a final status: status, duration, tokens and cost. */
  observeTasks(finisher: FinishNotifier): void {
    finisher.onFinish((task) => this.recordTaskFinished(task));
  }

  recordTaskFinished(task: Task): void {
    const status = task.status;
    const tenant = task.tenant_id;
    this.tasksTotal.inc({ status, tenant });
    // A task interrupted while queued never ran and has no duration.
    if (task.duration_ms !== null) this.taskDuration.observe({ status, tenant }, task.duration_ms / 1000);
    this.tokensUsed.inc({ type: 'input', tenant }, task.usage.input_tokens);
    this.tokensUsed.inc({ type: 'output', tenant }, task.usage.output_tokens);
    if (task.cost_usd > 0) this.costUsd.inc({ tenant }, task.cost_usd);
  }

  recordHttpRequest(method: string, route: string, statusCode: number, durationSeconds: number): void {
    const labels = { method, route, status_code: String(statusCode) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, durationSeconds);
  }

  /**
   * The hook for agent-process memory: call once with a source and `agent_process_memory_bytes`
   * is read from it at every scrape. Not registered until then, so no empty metric is exported.
   */
  registerAgentProcessMemory(source: AgentProcessMemorySource, labelNames: readonly string[] = []): void {
    new Gauge({
      name: 'agent_process_memory_bytes',
      help: 'Resident memory of live Claude Code agent processes, in bytes.',
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const sample of await source()) {
          if (sample.labels) this.inc(sample.labels, sample.bytes);
          else this.inc(sample.bytes);
        }
      },
    });
  }

  /**
   * Agent processes (issue: live sessions and the warm pool): how many are busy, idle or parked
   * as spares, their memory, where each task's process came from, and how often a new session
   * found no spare that fits its spawn options.
   */
  observeAgentProcesses(source: AgentProcessSource): void {
    new Gauge({
      name: 'agent_processes',
      help: 'Live Claude Code processes by state: busy (running a task), idle (a session between tasks), spare (prewarmed), exiting (closed, not gone yet).',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const stats = source.stats();
        for (const state of ['busy', 'idle', 'spare', 'exiting'] as const) this.set({ state }, stats[state]);
      },
    });
    new Counter({
      name: 'agent_process_starts_total',
      help: 'Tasks by where their agent process came from: reused (a live session), spare (the warm pool) or cold (a new process).',
      labelNames: ['source'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [from, count] of Object.entries(source.stats().starts)) this.inc({ source: from }, count);
      },
    });
    new Counter({
      name: 'agent_cold_starts_no_matching_spare_total',
      help: 'New sessions that started cold because no spare fitted (no_spare plus profile_mismatch in agent_cold_starts_total).',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(source.stats().cold_no_matching_spare);
      },
    });
    new Counter({
      name: 'agent_cold_starts_total',
      help: 'Tasks that started a new agent process, by cause: no_spare, profile_mismatch, claim_refused, resume, evicted, session_closed, process_died.',
      labelNames: ['cause'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [cause, count] of Object.entries(source.stats().cold_starts)) this.inc({ cause }, count);
      },
    });
    this.registerAgentProcessMemory(async () => [{ bytes: await source.memoryBytes() }]);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text for one scrape. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
