import type { ModelUsage } from '../../model-proxy/model-prices.js';
import type { Task } from '../../tasks/task-types.js';
import { externalId } from '../../tenancy/tenant.js';
import type { SpanAttributes } from './tracer.js';

/** Span names: the GenAI conventions name model and tool spans `{operation} {model or tool}`. */
export const SPAN = {
  task: 'task',
  queueWait: 'queue_wait',
  agentStart: 'agent_start',
  turn: 'turn',
  chat: (model: string | null) => (model ? `chat ${model}` : 'chat'),
  tool: (name: string) => `execute_tool ${name}`,
} as const;

const PROVIDER = { 'gen_ai.system': 'anthropic', 'gen_ai.provider.name': 'anthropic' } as const;

/** What every span of a task carries, so any one of them finds the task. */
export function taskKeys(task: Pick<Task, 'task_id' | 'session_id' | 'tenant_id'>): SpanAttributes {
  return { task_id: externalId(task.task_id), session_id: externalId(task.session_id), tenant: task.tenant_id };
}

/** The task span's attributes once the task has ended: its outcome, what it used and cost. */
export function taskOutcomeAttributes(task: Task): SpanAttributes {
  return {
    ...taskKeys(task),
    ...PROVIDER,
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.request.model': task.options.model ?? undefined,
    status: task.status,
    cost_usd: task.cost_usd,
    num_turns: task.num_turns,
    duration_ms: task.duration_ms ?? undefined,
    'gen_ai.usage.input_tokens': task.usage.input_tokens,
    'gen_ai.usage.output_tokens': task.usage.output_tokens,
    instance_id: task.instance_id ?? undefined,
    'error.type': task.error?.code,
  };
}

export function modelRequestAttributes(model: string | null): SpanAttributes {
  return { ...PROVIDER, 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': model ?? undefined };
}

export function modelAnswerAttributes(status: number, model: string | null, usage: ModelUsage | null, costUsd: number): SpanAttributes {
  return {
    'http.response.status_code': status,
    'gen_ai.response.model': model ?? undefined,
    'gen_ai.usage.input_tokens': usage?.input_tokens,
    'gen_ai.usage.output_tokens': usage?.output_tokens,
    'gen_ai.usage.cache_read.input_tokens': usage?.cache_read_input_tokens,
    'gen_ai.usage.cache_creation.input_tokens': usage?.cache_creation_input_tokens,
    cost_usd: costUsd,
    outcome: status >= 200 && status < 300 ? 'ok' : 'error',
    'error.type': status >= 200 && status < 300 ? undefined : String(status),
  };
}

export function toolAttributes(name: string, toolUseId: string): SpanAttributes {
  return { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.call.id': toolUseId };
}
