import type { TaskStatus, TaskUsage } from '../tasks/task-types.js';

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
  usage: TaskUsage;
  num_turns: number;
  cost_usd: number;
  duration_ms: number | null;
  error?: ErrorData | null;
}

/** A tool call of a task that waits for the client's answer (options.require_approval). */
export interface PermissionRequestData {
  request_id: string;
  tool_name: string;
  tool_use_id: string | null;
  input: unknown;
  reason: string | null;
  /** When it is denied if nobody answers (options.approval_timeout). */
  expires_at: string;
}
/** How a permission request was settled: by the client, by its timeout, or because the task ended. */
export interface PermissionDecisionData {
  request_id: string;
  decision: 'allow' | 'deny';
  decided_by: 'client' | 'timeout' | 'task_ended';
  message: string | null;
}

/** The egress proxy refused a connection of the task's agent (src/egress). */
export interface NetworkBlockedData {
  host: string;
  port: number;
  reason: 'not_allowed' | 'private_address' | 'no_task';
}

export interface EventDataByType {
  message: MessageData;
  tool_use: ToolUseData;
  tool_result: ToolResultData;
  progress: ProgressData;
  error: ErrorData;
  complete: CompleteData;
  permission_request: PermissionRequestData;
  permission_decision: PermissionDecisionData;
  network_blocked: NetworkBlockedData;
}

/** An event before it has a place in the log. */
export type EventDraft = { [K in EventType]: { type: K; data: EventDataByType[K] } }[EventType];

/** The envelope, identical on the WebSocket, in SSE and in storage. */
export type TaskEvent = EventDraft & { seq: number; task_id: string; timestamp: string };
