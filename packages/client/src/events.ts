import type { EventType, TaskStatus } from './api-constants.js';
import type { Usage } from './responses.js';

/** Task events: one envelope (seq, task_id, type, timestamp) around each type's data. */

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
