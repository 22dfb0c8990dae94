/**
 * The one error catalogue. Codes are part of the public API: never rename or reuse one.
 * docs/api.md lists them; test/unit/errors.test.ts fails when the two drift apart.
 */
export const ERROR_CATALOGUE = {
  // Request problems
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  INVALID_JSON: { status: 400, message: 'Request body is not valid JSON' },
  VALIDATION_ERROR: { status: 400, message: 'Request failed validation' },
  WORKSPACE_OUTSIDE_ROOT: { status: 400, message: 'Workspace resolves outside WORKSPACE_ROOT' },
  WORKSPACE_INVALID: { status: 400, message: 'Workspace cannot be used' },
  WORKSPACE_NOT_A_DIRECTORY: { status: 400, message: 'Workspace is not a directory' },
  WORKSPACE_NOT_READABLE: { status: 400, message: "Workspace is not readable by the agent's user" },
  WORKSPACE_NOT_WRITABLE: { status: 400, message: "Workspace is not writable by the agent's user" },
  PERMISSION_MODE_REFUSED: { status: 400, message: 'Permission mode refused' },
  WEBHOOK_URL_REFUSED: { status: 400, message: 'Webhook URL refused' },
  WEBHOOK_SECRET_MISSING: { status: 400, message: 'No webhook secret is configured' },
  NETWORK_ALLOW_OUTSIDE_TENANT: { status: 400, message: "An options.network.allow entry is not covered by the tenant's egress allowlist" },
  UNAUTHORIZED: { status: 401, message: 'Missing or invalid API key' },
  TENANT_BUDGET_EXCEEDED: { status: 402, message: 'Monthly budget exhausted' },
  NOT_FOUND: { status: 404, message: 'Route not found' },
  REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  TASK_NOT_FOUND: { status: 404, message: 'Task not found' },
  SESSION_NOT_FOUND: { status: 404, message: 'Session not found' },
  TASK_ID_CONFLICT: { status: 409, message: 'A different task with this task_id already exists' },
  TASK_NOT_RUNNING: { status: 409, message: 'Task has already finished' },
  TASK_NOT_FINISHED: { status: 409, message: 'Task has not finished yet' },
  PERMISSION_REQUEST_NOT_PENDING: { status: 409, message: 'Permission request is unknown or already settled' },
  SESSION_ALREADY_EXISTS: { status: 409, message: 'Session already exists; set reuse_existing to use it' },
  SESSION_WORKSPACE_MISMATCH: { status: 409, message: 'Session belongs to a different workspace' },
  BODY_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json' },
  QUEUE_FULL: { status: 429, message: 'Maximum concurrent sessions reached' },
  RATE_LIMITED: { status: 429, message: 'Rate limit exceeded' },
  SHUTTING_DOWN: { status: 503, message: 'Server is shutting down' },
  TOO_MANY_CONNECTIONS: { status: 503, message: 'The server has too many open connections' },
  STORAGE_UNAVAILABLE: { status: 503, message: 'Storage is unavailable; retry later' },
  INSTANCE_UNREACHABLE: { status: 503, message: 'The instance running the task did not take the request in time; retry later' },
  STORAGE_FULL: { status: 507, message: 'Storage is full' },
  INTERNAL_ERROR: { status: 500, message: 'Internal server error' },
  INVALID_SCHEDULE: { status: 400, message: 'The cron expression or time zone is not valid' },
  SCHEDULE_NOT_FOUND: { status: 404, message: 'Schedule not found' },
  SCHEDULE_ID_CONFLICT: { status: 409, message: 'A different schedule with this schedule_id already exists' },

  // Task outcomes, carried by `error` events and the task's `error` field (never an HTTP status)
  AGENT_API_ERROR: { status: 502, message: 'The model API returned an error' },
  AGENT_PROCESS_FAILED: { status: 502, message: 'The Claude Code process failed' },
  AGENT_MAX_TURNS: { status: 502, message: 'The agent reached its turn limit' },
  AGENT_EXECUTION_ERROR: { status: 502, message: 'The agent stopped with an error' },
  TASK_TIMEOUT: { status: 504, message: 'Task exceeded its timeout' },
  TASK_INTERRUPTED: { status: 409, message: 'Task was interrupted' },
  SESSION_DELETED: { status: 409, message: 'Task was interrupted because its session was deleted' },
  SERVER_RESTARTED: { status: 503, message: 'Task was interrupted because the server stopped while it ran' },
  MODEL_UNAVAILABLE: { status: 503, message: 'The model API stayed unavailable after retries' },
  MODEL_RATE_LIMITED: { status: 429, message: 'The model API kept rate-limiting the request after retries' },
  MODEL_STALLED: { status: 504, message: 'The model API stopped sending; the request was cut' },
  INSTANCE_LOST: { status: 503, message: 'Task was interrupted because the instance running it was lost' },
  LEASE_LOST: { status: 503, message: 'Task was stopped because its instance could not renew its lease' },
  STRUCTURED_OUTPUT_INVALID: { status: 502, message: 'The agent gave no result matching output_schema' },
  BUDGET_EXCEEDED: { status: 402, message: 'Task was stopped because it spent more than its max_budget_usd' },
  RESOURCE_LIMIT: { status: 502, message: "A limit of the agent's sandbox (memory, processes) killed the agent process" },

  // Triggers
  TRIGGER_NOT_FOUND: { status: 404, message: 'Trigger not found' },
  TRIGGER_UNAUTHORIZED: { status: 401, message: 'Trigger token is missing or wrong, or there is no such trigger' },
  // Forked sessions (POST /api/v1/sessions/{session_id}/fork)
  TASK_NOT_IN_SESSION: { status: 400, message: 'at_task_id names a task of another session' },
  NOTHING_TO_FORK: { status: 409, message: 'The session has no finished task whose conversation can be forked' },
  WORKSPACE_NOT_EMPTY: { status: 409, message: "The fork's workspace already holds files; the copy needs an empty or new directory" },
  WORKSPACE_COPY_FAILED: { status: 422, message: 'The source workspace could not be copied' },
  // Files in and out of a workspace (docs/files.md)
  FILE_PATH_INVALID: { status: 400, message: 'The path is not a relative path inside the workspace' },
  FILE_PATH_SYMLINK: { status: 400, message: 'The path goes through a symbolic link' },
  FILE_PATH_CONFLICT: { status: 409, message: 'Something of another type is in the way at that path' },
  FILE_NOT_FOUND: { status: 404, message: 'No file or directory at that path' },
  FILE_TOO_LARGE: { status: 413, message: 'The file is larger than FILE_UPLOAD_MAX_BYTES' },
  // MCP servers per task (docs/mcp.md)
  MCP_SERVER_REFUSED: { status: 400, message: 'An MCP server address is refused' },
  SECRET_REFERENCE_INVALID: { status: 400, message: 'An MCP server header names a secret the tenant does not have' },
  // Tenant secrets (docs/secrets.md)
  SECRET_NOT_FOUND: { status: 404, message: 'Secret not found' },
  SECRETS_DISABLED: { status: 503, message: 'Secrets are disabled on this server: set SECRETS_KEY' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

/**
 * What domain code throws: a catalogue code, a message for the client, and when to retry.
 * It knows no HTTP; src/http/error-mapping.ts turns it into a status and headers in one place.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
    /** Sent to the client as Retry-After: the refusal is temporary. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'DomainError';
  }
}

/** An error as the HTTP layer answers it: the catalogue's status, plus response headers. */
export class ApiError extends DomainError {
  readonly status: number;
  constructor(
    code: ErrorCode,
    message?: string,
    details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message, details);
    this.name = 'ApiError';
    this.status = ERROR_CATALOGUE[code].status;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: { code: this.code, message: this.message } };
    if (this.details !== undefined) body.error.details = this.details;
    return body;
  }
}

/** A task-level failure, recorded on the task and in its `error` event. */
export interface TaskError {
  code: ErrorCode;
  message: string;
}

export function taskError(code: ErrorCode, message?: string): TaskError {
  return { code, message: message ?? ERROR_CATALOGUE[code].message };
}
