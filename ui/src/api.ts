import type {
  DeletedSchedule,
  DeletedSession,
  Me,
  PermissionAnswerResult,
  Schedule,
  ScheduleList,
  ScheduleRunList,
  Session,
  SessionList,
  SubmitTaskRequest,
  SubmittedTask,
  Task,
  TaskEvent,
  TaskList,
  UpdateScheduleRequest,
  WsTicket,
} from './types.js';

const KEY_STORAGE = 'ccs.apiKey';

/** An error answer from the server: its stable `code`, HTTP status and any per-field `details`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

// The key lives in sessionStorage: it survives a reload, and is gone when the tab closes.
export const apiKey = {
  get: (): string | null => sessionStorage.getItem(KEY_STORAGE),
  set: (key: string): void => sessionStorage.setItem(KEY_STORAGE, key),
  clear: (): void => sessionStorage.removeItem(KEY_STORAGE),
};

/** Called on any 401, so the app can show the login page. */
let onUnauthorized: () => void = () => undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const key = apiKey.get();
  if (key) headers['X-API-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed: unknown = text === '' ? null : JSON.parse(text);
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string; details?: { path: string; message: string }[] } } | null)?.error;
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `${response.status} ${response.statusText}`, error?.details);
  }
  return parsed as T;
}

const q = (params: Record<string, string | number | undefined>): string => {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
};
const id = encodeURIComponent;

export const api = {
  me: () => call<Me>('GET', '/ui/api/me'),
  listTasks: (params: { status?: string; limit?: number; cursor?: string }) => call<TaskList>('GET', `/api/v1/tasks${q(params)}`),
  getTask: (taskId: string) => call<Task>('GET', `/api/v1/tasks/${id(taskId)}`),
  submitTask: (body: SubmitTaskRequest) => call<SubmittedTask>('POST', '/api/v1/tasks', body),
  interrupt: (taskId: string) => call<Task>('POST', `/api/v1/tasks/${id(taskId)}/interrupt`),
  answerPermission: (taskId: string, requestId: string, decision: 'allow' | 'deny') =>
    call<PermissionAnswerResult>('POST', `/api/v1/tasks/${id(taskId)}/permissions/${id(requestId)}`, { decision }),
  listSessions: (status?: string) => call<SessionList>('GET', `/api/v1/sessions${q({ status })}`),
  getSession: (sessionId: string) => call<Session>('GET', `/api/v1/sessions/${id(sessionId)}`),
  deleteSession: (sessionId: string) => call<DeletedSession>('DELETE', `/api/v1/sessions/${id(sessionId)}`),
  ticket: () => call<WsTicket>('POST', '/api/v1/ws-tickets'),
  listSchedules: () => call<ScheduleList>('GET', '/api/v1/schedules'),
  getSchedule: (scheduleId: string) => call<Schedule>('GET', `/api/v1/schedules/${id(scheduleId)}`),
  listScheduleRuns: (scheduleId: string) => call<ScheduleRunList>('GET', `/api/v1/schedules/${id(scheduleId)}/runs`),
  updateSchedule: (scheduleId: string, body: UpdateScheduleRequest) => call<Schedule>('PATCH', `/api/v1/schedules/${id(scheduleId)}`, body),
  deleteSchedule: (scheduleId: string) => call<DeletedSchedule>('DELETE', `/api/v1/schedules/${id(scheduleId)}`),
};

export interface EventSubscription {
  close(): void;
}

/**
 * Follows a task's events over WebSocket, with a fresh single-use ticket per connection when
 * auth is on. After a dropped connection it reconnects with `after=<last seq>`, so events are
 * neither missed nor repeated; it stops after `complete` (close code 1000).
 */
export function followEvents(
  taskId: string,
  authEnabled: boolean,
  handlers: { onEvent(event: TaskEvent): void; onState(state: 'live' | 'reconnecting' | 'ended'): void },
): EventSubscription {
  let lastSeq = 0;
  let socket: WebSocket | null = null;
  let stopped = false;
  let retryDelay = 500;

  const connect = async (): Promise<void> => {
    const params: Record<string, string | number | undefined> = { after: lastSeq > 0 ? lastSeq : undefined };
    try {
      if (authEnabled) params.ticket = (await api.ticket()).ticket;
    } catch {
      if (!stopped) setTimeout(() => void connect(), retryDelay);
      return;
    }
    if (stopped) return;
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    socket = new WebSocket(`${scheme}://${location.host}/ws/tasks/${id(taskId)}${q(params)}`);
    socket.onopen = () => {
      retryDelay = 500;
      handlers.onState('live');
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(String(message.data)) as TaskEvent;
      if (event.seq <= lastSeq) return;
      lastSeq = event.seq;
      handlers.onEvent(event);
    };
    socket.onclose = (close) => {
      socket = null;
      if (stopped) return;
      if (close.code === 1000) {
        handlers.onState('ended');
        return;
      }
      handlers.onState('reconnecting');
      retryDelay = Math.min(retryDelay * 2, 8000);
      setTimeout(() => void connect(), retryDelay);
    };
  };
  void connect();
  return {
    close: () => {
      stopped = true;
      socket?.close();
    },
  };
}
