import type { TaskEvent } from '../../../events/event-types.js';
import type { Task } from '../../../tasks/task-types.js';
import { externalId } from '../../../tenancy/tenant.js';
import { agentMessage, approvalMessage, artifactsOf, dataPart, STATE_OF_STATUS, statusOf, type A2aState, type WireMessage } from './a2a-task-view.js';

/** One frame of an A2A stream (StreamResponse as protobuf JSON), with the seq of the event it came from. */
export interface StreamFrame {
  seq: number;
  response: Record<string, unknown>;
}

function statusUpdate(task: Task, event: TaskEvent, state: A2aState, message: WireMessage): StreamFrame {
  return {
    seq: event.seq,
    response: {
      statusUpdate: {
        taskId: externalId(task.task_id),
        contextId: externalId(task.session_id),
        status: { state, message, timestamp: event.timestamp },
        // The event's seq lets a client resume a dropped stream exactly where it was (Last-Event-ID).
        metadata: { ccs: { seq: event.seq, type: event.type } },
      },
    },
  };
}

/**
 * Our event as A2A stream frames: every event is a status update (text for assistant messages, a
 * data part for the rest), a permission request is input-required, and `complete` becomes one
 * artifact update per output followed by the final status. `finalTask` is the task's record,
 * which is final once `complete` is in the log.
 */
export function framesOf(event: TaskEvent, finalTask: Task): StreamFrame[] {
  const task = finalTask;
  const messageId = `${externalId(task.task_id)}-${event.seq}`;
  switch (event.type) {
    case 'message':
      return [statusUpdate(task, event, 'TASK_STATE_WORKING', agentMessage(task, messageId, [{ text: event.data.text }]))];
    case 'permission_request':
      return [statusUpdate(task, event, 'TASK_STATE_INPUT_REQUIRED', approvalMessage(task, event.data))];
    case 'complete': {
      const ids = { taskId: externalId(task.task_id), contextId: externalId(task.session_id) };
      const artifacts = artifactsOf(task).map((artifact) => ({
        seq: event.seq,
        response: { artifactUpdate: { ...ids, artifact, append: false, lastChunk: true, metadata: { ccs: { seq: event.seq, type: event.type } } } },
      }));
      const status = { ...statusOf(task, []), state: STATE_OF_STATUS[event.data.status] };
      const final = {
        seq: event.seq,
        response: { statusUpdate: { ...ids, status, metadata: { ccs: { seq: event.seq, type: event.type, complete: event.data } } } },
      };
      return [...artifacts, final];
    }
    default:
      return [statusUpdate(task, event, 'TASK_STATE_WORKING', agentMessage(task, messageId, [dataPart({ [event.type]: event.data })]))];
  }
}
