/**
 * What the API sends and accepts, as plain TypeScript types. The client carries no runtime
 * dependency (no zod), so these are written out; test/unit/client-contract.test.ts proves with
 * tsc that each one equals the server's own schema (the schemas openapi.json is generated from),
 * so they cannot drift apart unnoticed.
 */

export const TASK_STATUSES = ['queued', 'running', 'completed', 'failed', 'interrupted', 'timed_out'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The statuses a task never leaves. */
export const FINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'interrupted', 'timed_out'];

export const PERMISSION_MODES = ['default', 'acceptEdits', 'bypassPermissions', 'plan', 'dontAsk'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

export const SESSION_STATUSES = ['idle', 'busy', 'expired'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const EVENT_TYPES = [
  'message',
  'tool_use',
  'tool_result',
  'progress',
  'error',
  'complete',
  'permission_request',
  'permission_decision',
  'network_blocked',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Every error code the server can answer with (the error table in docs/api.md). */
export const ERROR_CODES = [
  'BAD_REQUEST',
  'INVALID_JSON',
  'VALIDATION_ERROR',
  'WORKSPACE_OUTSIDE_ROOT',
  'WORKSPACE_INVALID',
  'WORKSPACE_NOT_A_DIRECTORY',
  'WORKSPACE_NOT_READABLE',
  'WORKSPACE_NOT_WRITABLE',
  'PERMISSION_MODE_REFUSED',
  'WEBHOOK_URL_REFUSED',
  'WEBHOOK_SECRET_MISSING',
  'NETWORK_ALLOW_OUTSIDE_TENANT',
  'UNAUTHORIZED',
  'TENANT_BUDGET_EXCEEDED',
  'NOT_FOUND',
  'REQUEST_TIMEOUT',
  'TASK_NOT_FOUND',
  'SESSION_NOT_FOUND',
  'TASK_ID_CONFLICT',
  'TASK_NOT_RUNNING',
  'TASK_NOT_FINISHED',
  'PERMISSION_REQUEST_NOT_PENDING',
  'SESSION_ALREADY_EXISTS',
  'SESSION_WORKSPACE_MISMATCH',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'QUEUE_FULL',
  'RATE_LIMITED',
  'SHUTTING_DOWN',
  'TOO_MANY_CONNECTIONS',
  'STORAGE_UNAVAILABLE',
  'INSTANCE_UNREACHABLE',
  'STORAGE_FULL',
  'INTERNAL_ERROR',
  'AGENT_API_ERROR',
  'AGENT_PROCESS_FAILED',
  'AGENT_MAX_TURNS',
  'AGENT_EXECUTION_ERROR',
  'TASK_TIMEOUT',
  'TASK_INTERRUPTED',
  'SESSION_DELETED',
  'SERVER_RESTARTED',
  'MODEL_UNAVAILABLE',
  'MODEL_RATE_LIMITED',
  'MODEL_STALLED',
  'INSTANCE_LOST',
  'LEASE_LOST',
  'BUDGET_EXCEEDED',
  'RESOURCE_LIMIT',
  'STRUCTURED_OUTPUT_INVALID',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

// ---- Requests -------------------------------------------------------------------------------

export interface TaskOptionsRequest {
  allowed_tools?: string[] | undefined;
  permission_mode?: PermissionMode | undefined;
  max_turns?: number | undefined;
  /** Seconds. */
  timeout?: number | undefined;
  model?: string | undefined;
  /** Tools (among the allowed ones) whose every call waits for answerPermission. */
  require_approval?: string[] | undefined;
  /** Seconds an unanswered permission request waits before it is denied (default 600). */
  approval_timeout?: number | undefined;
  /** The task fails with BUDGET_EXCEEDED once it has spent more (USD). */
  max_budget_usd?: number | undefined;
  /** A JSON Schema with "type": "object": the task's structured_result must match it. */
  output_schema?: Record<string, unknown> | undefined;
  /** Narrows the tenant's egress allowlist for this task ("host[:port]", "*.domain"); [] allows nothing but the model. */
  network?: { allow: string[] } | undefined;
}

export interface PermissionAnswer {
  decision: 'allow' | 'deny';
  /** With deny: told to the agent. */
  message?: string | undefined;
  /** With allow: the input the tool runs with instead of the agent's. */
  updated_input?: Record<string, unknown> | undefined;
}

export interface PermissionAnswerResult {
  task_id: string;
  request_id: string;
  decision: 'allow' | 'deny';
}

export interface SessionRequest {
  reuse_existing?: boolean | undefined;
  session_id?: string | undefined;
}

export const WEBHOOK_EVENTS = ['completed', 'failed', 'interrupted', 'timed_out', 'permission_request'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookRequest {
  url: string;
  /** Default: all of WEBHOOK_EVENTS. */
  events?: WebhookEvent[] | undefined;
}

export interface SubmitTaskRequest {
  task_id?: string | undefined;
  prompt: string;
  workspace?: string | undefined;
  options?: TaskOptionsRequest | undefined;
  session?: SessionRequest | undefined;
  webhook?: WebhookRequest | undefined;
}

export interface ListTasksQuery {
  status?: TaskStatus | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface ListSessionsQuery {
  status?: SessionStatus | 'all' | undefined;
}

export interface EventsPageQuery {
  after?: number | undefined;
  limit?: number | undefined;
}

// ---- Responses ------------------------------------------------------------------------------

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

// ---- Events ---------------------------------------------------------------------------------

export interface MessageData {
  role: 'assistant';
  text: string;
}
export interface ToolUseData {
  tool_use_id: string;
  name: string;
  input: unknown;
}
export interface ToolResultData {
  tool_use_id: string;
  content: string;
  is_error: boolean;
}
export interface ProgressData {
  turns: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  files_changed: string[];
}
export interface ErrorData {
  code: string;
  message: string;
}
export interface CompleteData {
  status: TaskStatus;
  result: string | null;
  usage: Usage;
  num_turns: number;
  cost_usd: number;
  duration_ms: number | null;
  error?: ErrorData | null | undefined;
}

export interface PermissionRequestData {
  request_id: string;
  tool_name: string;
  tool_use_id: string | null;
  input: unknown;
  reason: string | null;
  expires_at: string;
}

export interface PermissionDecisionData {
  request_id: string;
  decision: 'allow' | 'deny';
  decided_by: 'client' | 'timeout' | 'task_ended';
  message: string | null;
}

/** The server's egress proxy refused a connection of the task's agent. */
export interface NetworkBlockedData {
  host: string;
  port: number;
  /** not_allowed: no allowlist entry matches; private_address: the name resolves to a loopback, private, link-local or this host's address. */
  reason: 'not_allowed' | 'private_address' | 'no_task';
}

interface EventEnvelope<T extends EventType, D> {
  /** Starts at 1 per task, no gaps. */
  seq: number;
  task_id: string;
  type: T;
  timestamp: string;
  data: D;
}

export type MessageEvent = EventEnvelope<'message', MessageData>;
export type ToolUseEvent = EventEnvelope<'tool_use', ToolUseData>;
export type ToolResultEvent = EventEnvelope<'tool_result', ToolResultData>;
export type ProgressEvent = EventEnvelope<'progress', ProgressData>;
export type ErrorEvent = EventEnvelope<'error', ErrorData>;
export type CompleteEvent = EventEnvelope<'complete', CompleteData>;
export type PermissionRequestEvent = EventEnvelope<'permission_request', PermissionRequestData>;
export type PermissionDecisionEvent = EventEnvelope<'permission_decision', PermissionDecisionData>;
export type NetworkBlockedEvent = EventEnvelope<'network_blocked', NetworkBlockedData>;
export type TaskEvent =
  | MessageEvent
  | ToolUseEvent
  | ToolResultEvent
  | ProgressEvent
  | ErrorEvent
  | CompleteEvent
  | PermissionRequestEvent
  | PermissionDecisionEvent
  | NetworkBlockedEvent;

export interface EventPage {
  task_id: string;
  events: TaskEvent[];
  next_after: number;
  has_more: boolean;
}

/** The OpenAPI document, untyped beyond its top level. */
export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}
