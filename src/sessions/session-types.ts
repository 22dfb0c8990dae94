import type { SessionStatus } from '../../packages/client/src/types.js';

export { SESSION_STATUSES, type SessionStatus } from '../../packages/client/src/types.js';

export interface Session {
  /** Internal id, prefixed like task ids (see tenancy/ids.ts). */
  session_id: string;
  tenant_id: string;
  /** Real path of the workspace every task of this session runs in. */
  workspace: string;
  status: SessionStatus;
  /** The Claude Code conversation id, once the first task has started; used to resume. */
  sdk_session_id: string | null;
  created_at: string;
  last_activity_at: string;
  task_count: number;
  current_task_id: string | null;
  /** What this session's tasks have cost so far. */
  cost_usd: number;
  /** The SDK's running cost total for the conversation (see AgentRunRequest.costBaselineUsd). */
  sdk_cost_total_usd: number;
  /** The session and task this one was forked from; absent or null for a session that was not. */
  forked_from?: ForkedFrom | null;
  /** The newest finished task that left a point to fork at (the default fork point); absent or null before one. */
  last_turn_task_id?: string | null;
}

/** A session no task has run in yet: idle, nothing spent. */
export function newSession(fields: Pick<Session, 'session_id' | 'tenant_id' | 'workspace' | 'sdk_session_id'> & { now: string }): Session {
  const { now, ...ids } = fields;
  return { ...ids, status: 'idle', created_at: now, last_activity_at: now, task_count: 0, current_task_id: null, cost_usd: 0, sdk_cost_total_usd: 0 };
}

/** Internal ids of the session and the task whose end a fork continues from. */
export interface ForkedFrom {
  session_id: string;
  task_id: string;
}

export type SessionPatch = Partial<
  Pick<Session, 'status' | 'sdk_session_id' | 'last_activity_at' | 'task_count' | 'current_task_id' | 'cost_usd' | 'sdk_cost_total_usd' | 'last_turn_task_id'>
>;

/** Every stored field of a session, in the order of the API's JSON. */
export const SESSION_FIELDS = [
  'session_id',
  'tenant_id',
  'workspace',
  'status',
  'sdk_session_id',
  'created_at',
  'last_activity_at',
  'task_count',
  'current_task_id',
  'cost_usd',
  'sdk_cost_total_usd',
  'forked_from',
  'last_turn_task_id',
] as const satisfies readonly (keyof Session)[];
