import type { PermissionMode, SessionStatus, TaskStatus, WebhookEvent } from './api-constants.js';

/** What a client sends: request bodies and query strings. */

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
  /** 0..9 (default 5): the queue starts higher priorities first, FIFO within one; fair share across tenants still comes first. */
  priority?: number | undefined;
  /** MCP servers for this task, by name: their tools are `mcp__<name>__<tool>` (docs/mcp.md). */
  mcp_servers?: McpServers | undefined;
}

/** A header value: literal, or `{ secret: name }` for one of the tenant's secrets, added outside the sandbox. */
export type McpHeaderValue = string | { secret: string };

export interface McpRemoteServer {
  type: 'http' | 'sse';
  url: string;
  headers?: Record<string, McpHeaderValue> | undefined;
}

/** Runs inside the task's sandbox, as the tenant: the command must be there (system directories or the workspace). */
export interface McpStdioServer {
  /** Optional, as in the Agent SDK: a server with a command is a stdio server. */
  type?: 'stdio' | undefined;
  command: string;
  args?: string[] | undefined;
  env?: Record<string, string> | undefined;
}

export type McpServerConfig = McpRemoteServer | McpStdioServer;

export type McpServers = Record<string, McpServerConfig>;

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

export interface WebhookRequest {
  url: string;
  /** Default: all of WEBHOOK_EVENTS. */
  events?: WebhookEvent[] | undefined;
}

/**
 * A task to submit later, as schedules and triggers keep it: a submission's fields without a
 * task_id (each run gets its own), with the session named flat.
 */
export interface TaskTemplate {
  prompt: string;
  workspace?: string | undefined;
  /** Every run joins this session (the first one creates it). */
  session_id?: string | undefined;
  /** Default: join the session when it exists, create it when not. */
  reuse_existing?: boolean | undefined;
  options?: TaskOptionsRequest | undefined;
  webhook?: WebhookRequest | undefined;
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

/** `POST /api/v1/sessions/{session_id}/fork`. */
export interface ForkSessionRequest {
  /** The new session's id; generated (`<source>-fork-<random>`) when missing. */
  session_id?: string | undefined;
  /** Fork as of the end of this finished task of the session; default: its latest finished one. */
  at_task_id?: string | undefined;
  /** The fork's workspace; default: a new one named after the fork's session. */
  workspace?: string | undefined;
  /** Default true: the source workspace is copied into the fork's. false: the fork runs in the source's (shared) or in `workspace` as it is. */
  copy_workspace?: boolean | undefined;
}
