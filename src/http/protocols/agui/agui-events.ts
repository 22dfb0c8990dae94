import type { ChangedFile } from '../../../../packages/client/src/types.js';
import type { TaskEvent } from '../../../events/event-types.js';

/**
 * The AG-UI events this server sends, as @ag-ui/core 1.0 defines them. Written out here
 * because the protocol's packages are the clients' libraries, not the server's dependencies.
 */
export type AguiEvent =
  | { type: 'RUN_STARTED'; threadId: string; runId: string }
  | { type: 'RUN_FINISHED'; threadId: string; runId: string; result?: unknown; outcome: RunOutcome }
  | { type: 'RUN_ERROR'; message: string; code: string }
  | { type: 'TEXT_MESSAGE_START'; messageId: string; role: 'assistant' }
  | { type: 'TEXT_MESSAGE_CONTENT'; messageId: string; delta: string }
  | { type: 'TEXT_MESSAGE_END'; messageId: string }
  | { type: 'TOOL_CALL_START'; toolCallId: string; toolCallName: string }
  | { type: 'TOOL_CALL_ARGS'; toolCallId: string; delta: string }
  | { type: 'TOOL_CALL_END'; toolCallId: string }
  | { type: 'TOOL_CALL_RESULT'; messageId: string; toolCallId: string; content: string; role: 'tool' }
  | { type: 'STATE_SNAPSHOT'; snapshot: RunState }
  | { type: 'CUSTOM'; name: string; value: unknown };

export type RunOutcome = { type: 'success' } | { type: 'cancelled' } | { type: 'interrupt'; interrupts: AguiInterrupt[] };

export interface AguiInterrupt {
  id: string;
  reason: string;
  message: string;
  toolCallId?: string;
  responseSchema: Record<string, unknown>;
  expiresAt: string;
  metadata: Record<string, unknown>;
}

/** The agent state a client sees in STATE_SNAPSHOT. */
export interface RunState {
  task_id: string;
  status: string;
  cost_usd: number;
  num_turns: number;
  /** Paths the agent has changed so far (from progress), then the final list. */
  files_changed: string[];
  /** The final per-file report (the task's changed_files); null until the task has ended. */
  changed_files: ChangedFile[] | null;
}

/** What a resume entry's payload may be: the REST permission answer. */
export const PERMISSION_ANSWER_SCHEMA: Record<string, unknown> = {
  type: 'object',
  properties: {
    decision: { type: 'string', enum: ['allow', 'deny'] },
    message: { type: 'string', maxLength: 2000 },
    updated_input: { type: 'object' },
  },
  required: ['decision'],
  additionalProperties: false,
};

/**
 * One task event as AG-UI events. Ids derive from the task and the event's seq, so a replay
 * of the same run yields the same messages and a client can match them to what it has.
 * permission_request and complete are not handled here: they depend on the task's state.
 */
export function mapTaskEvent(event: TaskEvent, clientTaskId: string): AguiEvent[] {
  switch (event.type) {
    case 'message': {
      if (event.data.text === '') return [];
      const messageId = `${clientTaskId}.m${event.seq}`;
      return [
        { type: 'TEXT_MESSAGE_START', messageId, role: 'assistant' },
        { type: 'TEXT_MESSAGE_CONTENT', messageId, delta: event.data.text },
        { type: 'TEXT_MESSAGE_END', messageId },
      ];
    }
    case 'tool_use': {
      const toolCallId = event.data.tool_use_id;
      return [
        { type: 'TOOL_CALL_START', toolCallId, toolCallName: event.data.name },
        { type: 'TOOL_CALL_ARGS', toolCallId, delta: JSON.stringify(event.data.input ?? {}) },
        { type: 'TOOL_CALL_END', toolCallId },
      ];
    }
    case 'tool_result':
      return [
        {
          type: 'TOOL_CALL_RESULT',
          messageId: `${clientTaskId}.r${event.seq}`,
          toolCallId: event.data.tool_use_id,
          content: event.data.content,
          role: 'tool',
        },
      ];
    case 'progress':
      return [
        {
          type: 'STATE_SNAPSHOT',
          snapshot: {
            task_id: clientTaskId,
            status: 'running',
            cost_usd: event.data.cost_usd,
            num_turns: event.data.turns,
            files_changed: event.data.files_changed,
            changed_files: null,
          },
        },
      ];
    // No AG-UI counterpart: passed on as the protocol's extension event, under our type's name.
    case 'error':
    case 'permission_decision':
    case 'network_blocked':
      return [{ type: 'CUSTOM', name: `ccs.${event.type}`, value: event.data }];
    default:
      return [];
  }
}
