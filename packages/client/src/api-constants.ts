/** The API's closed sets of values, as constants a program can list and as the types they spell. */

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
  'INVALID_SCHEDULE',
  'SCHEDULE_NOT_FOUND',
  'SCHEDULE_ID_CONFLICT',
  'TRIGGER_NOT_FOUND',
  'TRIGGER_UNAUTHORIZED',
  'TASK_NOT_IN_SESSION',
  'NOTHING_TO_FORK',
  'WORKSPACE_NOT_EMPTY',
  'WORKSPACE_COPY_FAILED',
  'FILE_PATH_INVALID',
  'FILE_PATH_SYMLINK',
  'FILE_PATH_CONFLICT',
  'FILE_NOT_FOUND',
  'FILE_TOO_LARGE',
  'MCP_SERVER_REFUSED',
  'SECRET_REFERENCE_INVALID',
  'SECRET_NOT_FOUND',
  'SECRETS_DISABLED',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const WEBHOOK_EVENTS = ['completed', 'failed', 'interrupted', 'timed_out', 'permission_request'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
