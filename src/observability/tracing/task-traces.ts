import type { AgentOutput } from '../../agent/agent-types.js';
import type { ModelCallObserver, ObservedModelCall } from '../../model-proxy/model-call-observer.js';
import type { Task } from '../../tasks/task-types.js';
import { mainConversationCall } from './model-request.js';
import { modelAnswerAttributes, modelRequestAttributes, SPAN, taskKeys, taskOutcomeAttributes, toolAttributes } from './span-attributes.js';
import { newTaskTraceContext, type TaskTraceContext } from './trace-context.js';
import type { SpanAttributes, TraceSpan, Tracer } from './tracer.js';

export type ProcessSource = 'reused' | 'spare' | 'cold';

/** The spans of a task running on this instance that are still open. */
interface RunningTrace {
  parent: string;
  keys: SpanAttributes;
  agentStart: TraceSpan | null;
  processSource: () => ProcessSource | null;
  turn: TraceSpan | null;
  turns: number;
  tools: Map<string, TraceSpan>;
}

/**
 * A task's spans. The task span's ids are chosen at submit and kept on the record, so the
 * instance that runs the task hangs its spans under it and the one that finishes it records it
 * (both usually one instance; with Redis, possibly not the one that took the submit):
 *
 *   task ─┬ queue_wait
 *         ├ agent_start (warm | cold)
 *         └ turn ×N ─┬ chat {model}        (each model call, seen by the credential proxy)
 *                    └ execute_tool {name} (each tool call, from tool_use to its tool_result)
 *
 * A turn begins with each call of the agent loop (it offers tools); the CLI's side calls (titles,
 * classifiers: no tools) are chat spans in the current turn, or under the task before the first.
 *
 * Only the open spans of tasks running here are held in memory.
 */
export class TaskTraces implements ModelCallObserver {
  private readonly running = new Map<string, RunningTrace>();

  constructor(private readonly tracer: Tracer) {}

  get enabled(): boolean {
    return this.tracer.enabled;
  }

  /** The trace context a task gets at submit (null while tracing is off). */
  contextForSubmit(callerTraceparent: string | undefined): TaskTraceContext | null {
    return this.tracer.enabled ? newTaskTraceContext(callerTraceparent) : null;
  }

  /** The task left the queue here: its wait is recorded, and its run's spans go under it. */
  taskRunning(task: Task): void {
    const context = task.trace_context;
    if (!this.tracer.enabled || !context || task.started_at === null) return;
    const keys = taskKeys(task);
    this.tracer
      .startSpan(SPAN.queueWait, context.traceparent, { attributes: keys, startTime: new Date(task.created_at) })
      .end({ endTime: new Date(task.started_at) });
    this.running.set(task.task_id, { parent: context.traceparent, keys, agentStart: null, processSource: () => null, turn: null, turns: 0, tools: new Map() });
  }

  /** The agent is being given the task: its start lasts until it first calls the model or speaks. */
  runStarted(taskId: string, processSource: () => ProcessSource | null): void {
    const trace = this.running.get(taskId);
    if (!trace) return;
    trace.processSource = processSource;
    trace.agentStart = this.tracer.startSpan(SPAN.agentStart, trace.parent, { attributes: trace.keys });
  }

  /** Each output of the run: tool calls open and close their spans. */
  output(taskId: string, output: AgentOutput): void {
    const trace = this.running.get(taskId);
    if (!trace) return;
    this.endAgentStart(trace);
    if (output.kind !== 'event') return;
    const { event } = output;
    if (event.type === 'tool_use') {
      const parent = trace.turn?.traceparent ?? trace.parent;
      const attributes = { ...trace.keys, ...toolAttributes(event.data.name, event.data.tool_use_id) };
      trace.tools.set(event.data.tool_use_id, this.tracer.startSpan(SPAN.tool(event.data.name), parent, { attributes }));
    } else if (event.type === 'tool_result') {
      const span = trace.tools.get(event.data.tool_use_id);
      if (!span) return;
      trace.tools.delete(event.data.tool_use_id);
      span.setAttributes({ outcome: event.data.is_error ? 'error' : 'ok' });
      span.end(event.data.is_error ? { error: 'the tool reported an error' } : {});
    }
  }

  /** The run is over (whatever its outcome): what is still open ends now. */
  runEnded(taskId: string): void {
    const trace = this.running.get(taskId);
    if (!trace) return;
    this.running.delete(taskId);
    this.endAgentStart(trace, 'the agent ended before it started the task');
    for (const span of trace.tools.values()) {
      span.setAttributes({ outcome: 'no_result' });
      span.end({ error: 'the task ended before the tool returned' });
    }
    trace.turn?.end();
  }

  /** A model call of a task running here; a call of the main conversation begins a new turn. */
  begin(taskId: string, requestBody: Buffer): ObservedModelCall | null {
    const trace = this.running.get(taskId);
    if (!trace) return null;
    this.endAgentStart(trace);
    const request = mainConversationCall(requestBody);
    if (request.main) {
      trace.turn?.end();
      trace.turns += 1;
      trace.turn = this.tracer.startSpan(SPAN.turn, trace.parent, { attributes: { ...trace.keys, turn: trace.turns } });
    }
    // A side call before the first turn (a title for a new session) hangs under the task itself.
    const parent = trace.turn?.traceparent ?? trace.parent;
    const attributes = { ...trace.keys, ...modelRequestAttributes(request.model) };
    const span = this.tracer.startSpan(SPAN.chat(request.model), parent, { attributes, kind: 'client' });
    let error: string | undefined;
    return {
      answered: (status, model, usage, costUsd) => {
        span.setAttributes(modelAnswerAttributes(status, model, usage, costUsd));
        if (status < 200 || status >= 300) error = `the model API answered HTTP ${status}`;
      },
      failed: (code, message) => {
        span.setAttributes({ outcome: 'error', 'error.type': code });
        error = message;
      },
      end: () => span.end(error === undefined ? {} : { error }),
    };
  }

  /** The task has its final record: the task span is recorded with its outcome. */
  taskFinished(task: Task): void {
    const context = task.trace_context;
    if (!this.tracer.enabled || !context) return;
    this.runEnded(task.task_id);
    const endTime = task.completed_at ? new Date(task.completed_at) : new Date();
    if (task.started_at === null) {
      // Ended while queued: its whole life was the wait.
      this.tracer.startSpan(SPAN.queueWait, context.traceparent, { attributes: taskKeys(task), startTime: new Date(task.created_at) }).end({ endTime });
    }
    const error = task.status === 'completed' ? undefined : (task.error?.message ?? task.status);
    this.tracer.recordSpan(SPAN.task, context, {
      attributes: taskOutcomeAttributes(task),
      startTime: new Date(task.created_at),
      endTime,
      ...(error === undefined ? {} : { error }),
    });
  }

  private endAgentStart(trace: RunningTrace, error?: string): void {
    if (!trace.agentStart) return;
    const source = trace.processSource();
    trace.agentStart.setAttributes({
      'agent.start': source === 'cold' ? 'cold' : source === null ? undefined : 'warm',
      'agent.process_source': source ?? undefined,
    });
    trace.agentStart.end(error === undefined ? {} : { error });
    trace.agentStart = null;
  }
}
