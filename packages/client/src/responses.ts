import type { ErrorCode, PermissionMode, SessionStatus, TaskStatus, WebhookEvent } from './api-constants.js';
import type { McpServers } from './requests.js';

/** What the server answers (events are in events.ts). */

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

export interface TaskError {
  code: ErrorCode;
  message: string;
}

export interface TaskOptions {
  allowed_tools: string[] | null;
  permission_mode: PermissionMode | null;
  max_turns: number | null;
  timeout: number | null;
  model: string | null;
  require_approval: string[] | null;
  approval_timeout: number | null;
  max_budget_usd: number | null;
  output_schema: Record<string, unknown> | null;
  network: { allow: string[] } | null;
  /** 0..9; 5 when the task named none. */
  priority: number;
  /** As submitted: secret references, never their values. */
  mcp_servers: McpServers | null;
}

/** A tool call waiting for answerPermission. */
export interface PendingPermission {
  request_id: string;
  tool_name: string;
  tool_use_id: string | null;
  input: unknown;
  reason: string | null;
  requested_at: string;
  /** When it is denied if nobody answers. */
  expires_at: string;
}

export interface Task {
  task_id: string;
  session_id: string;
  status: TaskStatus;
  prompt: string;
  workspace: string;
  options: TaskOptions;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  result: string | null;
  usage: Usage;
  num_turns: number;
  cost_usd: number;
  duration_ms: number | null;
  error: TaskError | null;
  webhook: WebhookTarget | null;
  /** null until the task has finished (or when unknown). */
  changed_files: ChangedFile[] | null;
  /** INSTANCE_ID of the instance that ran (or runs) the task; null while queued. */
  instance_id: string | null;
  /** With options.output_schema: the agent's answer, matching it; null otherwise. */
  structured_result: unknown;
  /** The schedule whose tick started the task; null for tasks submitted otherwise. */
  schedule_id: string | null;
  /** The trigger whose fire started the task; null for every other task. */
  trigger_id: string | null;
  /** The task's OpenTelemetry trace id (32 hex digits); null when the server was not tracing at submit. */
  trace_id: string | null;
  /** Tool calls waiting for answerPermission; empty when none. */
  pending_permissions: PendingPermission[];
  websocket_url: string;
}

export interface WebhookTarget {
  url: string;
  events: WebhookEvent[];
}

export interface ChangedFile {
  /** Relative to the workspace. */
  path: string;
  change: 'created' | 'modified' | 'deleted';
  /** null for binary files and files too large to diff. */
  additions: number | null;
  deletions: number | null;
  binary: boolean;
}

export interface WebhookDelivery {
  /** The `webhook-id` header, the same on every retry. */
  webhook_id: string;
  url: string;
  event: WebhookEvent;
  payload: unknown;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface WebhookDeliveryList {
  task_id: string;
  webhook: WebhookTarget | null;
  deliveries: WebhookDelivery[];
}

export interface SubmittedTask {
  task_id: string;
  session_id: string;
  status: TaskStatus;
  websocket_url: string;
  created_at: string;
  /** The task's OpenTelemetry trace id; null when the server is not tracing. */
  trace_id: string | null;
}

export interface TaskList {
  tasks: Task[];
  next_cursor: string | null;
}

export interface Session {
  session_id: string;
  workspace: string;
  status: SessionStatus;
  created_at: string;
  last_activity_at: string;
  task_count: number;
  current_task_id: string | null;
  cost_usd: number;
  claude_session_id: string | null;
  /** The session and task whose end this session was forked from; null if it was not forked. */
  forked_from: { session_id: string; task_id: string } | null;
}

export interface SessionList {
  sessions: Session[];
  total: number;
}

export interface DeletedSession {
  session_id: string;
  interrupted_tasks: string[];
  deleted: true;
}

export interface WsTicket {
  ticket: string;
  expires_at: string;
  expires_in_seconds: number;
}

export interface Health {
  /** `degraded` (HTTP 503): storage is failing; `reason` and `storage` say why. */
  status: 'healthy' | 'degraded' | 'shutting_down';
  version: string;
  /** INSTANCE_ID of the instance that answered. */
  instance_id: string;
  storage: {
    type: 'memory' | 'sqlite' | 'redis';
    status: 'up' | 'down';
    reason: string | null;
    /** What submits get while storage is down: 507 STORAGE_FULL or 503 STORAGE_UNAVAILABLE. */
    code: 'STORAGE_FULL' | 'STORAGE_UNAVAILABLE' | null;
    since: string | null;
    /** Final records and events of finished tasks waiting for storage to recover. */
    pending_writes: number;
  };
  /** Why the status is `degraded`. */
  reason?: string;
  /** Null while storage is down. */
  active_sessions: number | null;
  active_tasks: number;
  queued_tasks: number;
  uptime_seconds: number;
  agent_processes: { busy: number; idle: number; spare: number; memory_bytes: number };
  /** How agent processes are confined (AGENT_ISOLATION). */
  isolation: 'bwrap' | 'none';
  /** Each agent sandbox's limits (AGENT_MEMORY_MAX, …) and how they are enforced. */
  limits: {
    mechanism: 'cgroup2' | 'cgroup1' | 'rlimit' | 'none';
    enforced: Array<'memory' | 'pids' | 'tmp' | 'cpu'>;
    memory_max_bytes: number;
    pids_max: number;
    tmp_size_bytes: number;
    cpu_weight: number;
  };
}

/** The OpenAPI document, untyped beyond its top level. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}
