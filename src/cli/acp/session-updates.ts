import type { PlanEntry, SessionUpdate } from '@agentclientprotocol/sdk';
import type { TaskEvent } from '../../../packages/client/src/index.js';
import { toolKind, toolLocations, toolTitle } from './tool-calls.js';

/**
 * One of our task events as the ACP `session/update`s an editor shows. Events with no ACP
 * counterpart (progress, permission bookkeeping, complete) give none: the permission round trip
 * is its own request and the end of a task is the prompt's answer.
 */
export function sessionUpdatesFor(event: TaskEvent): SessionUpdate[] {
  switch (event.type) {
    case 'message':
      return [{ sessionUpdate: 'agent_message_chunk', content: { type: 'text', text: event.data.text }, messageId: `${event.task_id}:${event.seq}` }];
    case 'tool_use': {
      const { tool_use_id, name, input } = event.data;
      const call: SessionUpdate = {
        sessionUpdate: 'tool_call',
        toolCallId: tool_use_id,
        title: toolTitle(name, input),
        kind: toolKind(name),
        status: 'in_progress',
        rawInput: input,
        locations: toolLocations(input),
      };
      const plan = planFrom(name, input);
      return plan === undefined ? [call] : [call, { sessionUpdate: 'plan', entries: plan }];
    }
    case 'tool_result':
      return [
        {
          sessionUpdate: 'tool_call_update',
          toolCallId: event.data.tool_use_id,
          status: event.data.is_error ? 'failed' : 'completed',
          content: [{ type: 'content', content: { type: 'text', text: event.data.content } }],
          rawOutput: event.data,
        },
      ];
    default:
      return [];
  }
}

/** What the user asked, replayed on session/load. */
export function userMessage(prompt: string, taskId: string): SessionUpdate {
  return { sessionUpdate: 'user_message_chunk', content: { type: 'text', text: prompt }, messageId: `${taskId}:prompt` };
}

interface Todo {
  content?: unknown;
  status?: unknown;
}

const PLAN_STATUSES = new Set(['pending', 'in_progress', 'completed']);

/** The agent's own to-do list (TodoWrite) is what ACP calls a plan. */
function planFrom(name: string, input: unknown): PlanEntry[] | undefined {
  if (name !== 'TodoWrite' || input === null || typeof input !== 'object') return undefined;
  const todos = (input as { todos?: unknown }).todos;
  if (!Array.isArray(todos)) return undefined;
  return (todos as Todo[])
    .filter((t) => typeof t.content === 'string')
    .map((t) => ({
      content: t.content as string,
      priority: 'medium',
      status: PLAN_STATUSES.has(String(t.status)) ? (t.status as PlanEntry['status']) : 'pending',
    }));
}
