import { EVENT_TYPES, type EventType } from '../../packages/client/src/types.js';
import type {
  CompleteData,
  ErrorData,
  MessageData,
  NetworkBlockedData,
  PermissionDecisionData,
  PermissionRequestData,
  ProgressData,
  ToolResultData,
  ToolUseData,
} from '../../packages/client/src/types.js';

// Each type's data is the API's own definition: events are stored and sent exactly as built.
export { EVENT_TYPES, type EventType };
export type {
  CompleteData,
  ErrorData,
  MessageData,
  NetworkBlockedData,
  PermissionDecisionData,
  PermissionRequestData,
  ProgressData,
  ToolResultData,
  ToolUseData,
};

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
