import type { PermissionMode, TaskStatus } from '@claude-code-server/client';

/**
 * The dashboard's types are the API's own, from the client package. Only types are imported, so
 * the browser loads nothing more; the value lists the menus need are written here, and tsc fails
 * when the API gains a value one of them lacks.
 */
export type {
  DeletedSchedule,
  DeletedSession,
  PermissionAnswerResult,
  Schedule,
  ScheduleList,
  ScheduleRun,
  ScheduleRunList,
  Session,
  SessionList,
  SubmitTaskRequest,
  SubmittedTask,
  Task,
  TaskEvent,
  TaskList,
  TaskStatus,
  UpdateScheduleRequest,
  WsTicket,
} from '@claude-code-server/client';

/** `list` itself, once it names every value of T (a missing one is named in the compile error). */
const everyValueOf =
  <T extends string>() =>
  <const L extends readonly T[]>(list: L, ..._complete: Exclude<T, L[number]> extends never ? [] : [missing: Exclude<T, L[number]>]): L =>
    list;

export const TASK_STATUSES = everyValueOf<TaskStatus>()(['queued', 'running', 'completed', 'failed', 'interrupted', 'timed_out']);
export const TERMINAL: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['completed', 'failed', 'interrupted', 'timed_out']);

/** In the order the submit form offers them: the riskiest last. */
export const PERMISSION_MODES = everyValueOf<PermissionMode>()(['default', 'acceptEdits', 'plan', 'dontAsk', 'bypassPermissions']);

/** `GET /ui/api/me`: the dashboard's own route, not part of the API. */
export interface Me {
  tenant: string;
  auth_enabled: boolean;
}
