import type { TaskTraceContext } from '../observability/tracing/trace-context.js';
import { PERMISSION_MODES, TASK_STATUSES, type PermissionMode, type TaskStatus, type Usage } from '../../packages/client/src/types.js';
import type { ChangedFile } from '../changes/change-types.js';
import type { McpServers } from '../mcp/mcp-types.js';
import type { TaskError } from '../errors.js';
import type { WebhookTarget } from '../webhooks/webhook-types.js';

export { PERMISSION_MODES, TASK_STATUSES, type PermissionMode, type TaskStatus };

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'interrupted', 'timed_out']);

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export interface TaskOptions {
  allowed_tools: string[] | null;
  permission_mode: PermissionMode | null;
  max_turns: number | null;
  /** Seconds. */
  timeout: number | null;
  model: string | null;
  /** Tools whose every call waits for the client's answer; absent on tasks stored before it existed. */
  require_approval?: string[] | null;
  /** Seconds a permission request waits before it is denied (default 600). */
  approval_timeout?: number | null;
  /** The task is stopped (failed, BUDGET_EXCEEDED) once it has spent more than this. */
  max_budget_usd?: number | null;
  /** A JSON Schema (type object) the task's result must match; it then carries structured_result. */
  output_schema?: Record<string, unknown> | null;
  /** options.network.allow: narrows the tenant's egress allowlist for this task; absent or null: the tenant's list. */
  network?: { allow: string[] } | null;
  /** 0..9, higher claimed first within its tenant's turn; absent on tasks stored before it existed (then 5). */
  priority?: number | null;
  /** options.mcp_servers as submitted (secret references, never values); the tenant's default is merged in when the task runs. */
  mcp_servers?: McpServers | null;
}

export type TaskUsage = Usage;

export interface Task {
  /** Internal id: the client's task_id, prefixed for tenants other than the default (see tenancy/ids.ts). */
  task_id: string;
  /** The tenant that owns the task; 'default' without multi-tenant keys. */
  tenant_id: string;
  session_id: string;
  prompt: string;
  /** Real path of the workspace, inside WORKSPACE_ROOT. */
  workspace: string;
  options: TaskOptions;
  status: TaskStatus;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  result: string | null;
  usage: TaskUsage;
  num_turns: number;
  cost_usd: number;
  duration_ms: number | null;
  error: TaskError | null;
  /** Fingerprint of the submitted body, so a retry with the same task_id can be told from a conflict. */
  request_hash: string;
  /** Where its notifications go: the task's own webhook, else its tenant's default; null for none. */
  webhook: WebhookTarget | null;
  /** What the task created, modified and deleted in its workspace; null until it has finished (or if unknown). */
  changed_files: ChangedFile[] | null;
  /** INSTANCE_ID of the instance that ran (or runs) the task; absent or null until it starts. */
  instance_id?: string | null;
  /** With options.output_schema: the agent's result, matching it; absent or null otherwise. */
  structured_result?: unknown;
  /** The schedule whose firing started the task; absent or null for tasks submitted otherwise. */
  schedule_id?: string | null;
  /** The trigger whose fire started the task; absent or null for every other task. */
  trigger_id?: string | null;
  /** Where the conversation stood when the task ended (a fork at this task continues from there); absent or null if unknown. */
  fork_point?: ForkPoint | null;
  /** The task span's W3C trace context (and its caller's), chosen at submit; absent or null when tracing was off. */
  trace_context?: TaskTraceContext | null;
}

/** The Claude Code conversation and its last message as a task ended. */
export interface ForkPoint {
  sdk_session_id: string;
  message_uuid: string;
}

/** The fields a running or finishing task may change. */
export type TaskPatch = Partial<
  Pick<
    Task,
    | 'status'
    | 'started_at'
    | 'completed_at'
    | 'result'
    | 'usage'
    | 'num_turns'
    | 'cost_usd'
    | 'duration_ms'
    | 'error'
    | 'changed_files'
    | 'instance_id'
    | 'structured_result'
    | 'webhook'
    | 'fork_point'
  >
>;

/** Every stored field of a task, in the order of the API's JSON. */
export const TASK_FIELDS = [
  'task_id',
  'tenant_id',
  'session_id',
  'prompt',
  'workspace',
  'options',
  'status',
  'created_at',
  'started_at',
  'completed_at',
  'result',
  'usage',
  'num_turns',
  'cost_usd',
  'duration_ms',
  'error',
  'request_hash',
  'webhook',
  'changed_files',
  'instance_id',
  'structured_result',
  'schedule_id',
  'trigger_id',
  'fork_point',
  'trace_context',
] as const satisfies readonly (keyof Task)[];
