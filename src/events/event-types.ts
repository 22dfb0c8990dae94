import type { TaskStatus, TaskUsage } from '../tasks/task-types.js';

export const EVENT_TYPES = ['message', 'tool_use', 'tool_result', 'progress', 'error', 'complete'] as const;
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

export interface EventDataByType {
  message: MessageData;
  tool_use: ToolUseData;
  tool_result: ToolResultData;
  progress: ProgressData;
  error: ErrorData;
  complete: CompleteData;
}

/** An event before it has a place in the log. */
export type EventDraft = { [K in EventType]: { type: K; data: EventDataByType[K] } }[EventType];

/** The envelope, identical on the WebSocket, in SSE and in storage. */
export type TaskEvent = EventDraft & { seq: number; task_id: string; timestamp: string };
