import type {
  CreateScheduleRequest,
  DeletedSchedule,
  ListScheduleRunsQuery,
  Schedule,
  ScheduleList,
  ScheduleRunList,
  UpdateScheduleRequest,
} from './schedules.js';
import type { ArchiveQuery, DirectoryListing, UploadedFile } from './files.js';
import type { Secret, SecretList, SetSecretRequest } from './secrets.js';
import type {
  CreateTriggerRequest,
  DeletedSession,
  DeletedTrigger,
  FireTriggerRequest,
  IssuedTrigger,
  Trigger,
  TriggerList,
  ForkSessionRequest,
  EventPage,
  EventsPageQuery,
  Health,
  ListSessionsQuery,
  ListTasksQuery,
  OpenApiDocument,
  PermissionAnswer,
  PermissionAnswerResult,
  Session,
  SessionList,
  SubmitTaskRequest,
  SubmittedTask,
  Task,
  TaskList,
  WebhookDeliveryList,
  WsTicket,
} from './types.js';

/**
 * Every route of the API, keyed by its OpenAPI operationId. One entry per route: method, path
 * template, how the answer is read, and (as phantom types) what goes in and what comes out.
 * test/unit/client-contract.test.ts fails when this table and openapi.json disagree, so a new
 * server route means one new line here.
 */

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';

/**
 * How an answer is read: JSON, text, a stream the client opens itself (see event-stream.ts), or
 * raw bytes in or out (files-api.ts).
 */
export type ResponseKind = 'json' | 'text' | 'sse' | 'websocket' | 'binary';

export interface RouteArgs {
  path?: Record<string, string>;
  query?: object;
  body?: unknown;
}

export interface Route<A extends RouteArgs, R, K extends ResponseKind = ResponseKind> {
  readonly method: HttpMethod;
  readonly path: string;
  readonly kind: K;
  /** Non-2xx statuses that still carry a normal answer (e.g. /health's 503 while shutting down). */
  readonly alsoOk?: readonly number[];
  /** Phantom fields: never set, only carry the types. */
  readonly __args?: A;
  readonly __response?: R;
}

function route<A extends RouteArgs, R, K extends ResponseKind = 'json'>(
  method: HttpMethod,
  path: string,
  kind: K = 'json' as K,
  alsoOk?: readonly number[],
): Route<A, R, K> {
  return alsoOk === undefined ? { method, path, kind } : { method, path, kind, alsoOk };
}

type NoArgs = Record<never, never>;
type TaskPath = { path: { task_id: string } };
type SessionPath = { path: { session_id: string } };
type SchedulePath = { path: { schedule_id: string } };
type TriggerPath = { path: { trigger_id: string } };
type SecretPath = { path: { name: string } };

export const ROUTES = {
  getHealth: route<NoArgs, Health>('GET', '/health', 'json', [503]),
  submitTask: route<{ body: SubmitTaskRequest }, SubmittedTask>('POST', '/api/v1/tasks'),
  listTasks: route<{ query?: ListTasksQuery }, TaskList>('GET', '/api/v1/tasks'),
  getTask: route<TaskPath, Task>('GET', '/api/v1/tasks/{task_id}'),
  interruptTask: route<TaskPath, Task>('POST', '/api/v1/tasks/{task_id}/interrupt'),
  getTaskEvents: route<TaskPath & { query?: EventsPageQuery & { format?: 'json' } }, EventPage>('GET', '/api/v1/tasks/{task_id}/events'),
  getTaskWebhooks: route<TaskPath, WebhookDeliveryList>('GET', '/api/v1/tasks/{task_id}/webhooks'),
  getTaskDiff: route<TaskPath, string, 'text'>('GET', '/api/v1/tasks/{task_id}/diff', 'text'),
  answerPermission: route<{ path: { task_id: string; request_id: string }; body: PermissionAnswer }, PermissionAnswerResult>(
    'POST',
    '/api/v1/tasks/{task_id}/permissions/{request_id}',
  ),
  taskEventsWebSocket: route<TaskPath, never, 'websocket'>('GET', '/ws/tasks/{task_id}', 'websocket'),
  createWsTicket: route<NoArgs, WsTicket>('POST', '/api/v1/ws-tickets'),
  listSessions: route<{ query?: ListSessionsQuery }, SessionList>('GET', '/api/v1/sessions'),
  getSession: route<SessionPath, Session>('GET', '/api/v1/sessions/{session_id}'),
  deleteSession: route<SessionPath, DeletedSession>('DELETE', '/api/v1/sessions/{session_id}'),
  createSchedule: route<{ body: CreateScheduleRequest }, Schedule>('POST', '/api/v1/schedules'),
  listSchedules: route<NoArgs, ScheduleList>('GET', '/api/v1/schedules'),
  getSchedule: route<SchedulePath, Schedule>('GET', '/api/v1/schedules/{schedule_id}'),
  updateSchedule: route<SchedulePath & { body: UpdateScheduleRequest }, Schedule>('PATCH', '/api/v1/schedules/{schedule_id}'),
  deleteSchedule: route<SchedulePath, DeletedSchedule>('DELETE', '/api/v1/schedules/{schedule_id}'),
  listScheduleRuns: route<SchedulePath & { query?: ListScheduleRunsQuery }, ScheduleRunList>('GET', '/api/v1/schedules/{schedule_id}/runs'),
  createTrigger: route<{ body: CreateTriggerRequest }, IssuedTrigger>('POST', '/api/v1/triggers'),
  listTriggers: route<NoArgs, TriggerList>('GET', '/api/v1/triggers'),
  getTrigger: route<TriggerPath, Trigger>('GET', '/api/v1/triggers/{trigger_id}'),
  deleteTrigger: route<TriggerPath, DeletedTrigger>('DELETE', '/api/v1/triggers/{trigger_id}'),
  rotateTrigger: route<TriggerPath, IssuedTrigger>('POST', '/api/v1/triggers/{trigger_id}/rotate'),
  fireTrigger: route<TriggerPath & { body: FireTriggerRequest }, Task>('POST', '/api/v1/triggers/{trigger_id}/fire'),
  setSecret: route<{ body: SetSecretRequest }, Secret>('POST', '/api/v1/secrets'),
  listSecrets: route<NoArgs, SecretList>('GET', '/api/v1/secrets'),
  getSecret: route<SecretPath, Secret>('GET', '/api/v1/secrets/{name}'),
  deleteSecret: route<SecretPath, void>('DELETE', '/api/v1/secrets/{name}'),
  forkSession: route<SessionPath & { body: ForkSessionRequest }, Session>('POST', '/api/v1/sessions/{session_id}/fork'),
  uploadFile: route<SessionPath & { query: { path: string } }, UploadedFile, 'binary'>('PUT', '/api/v1/sessions/{session_id}/files', 'binary'),
  readFile: route<SessionPath & { query?: { path?: string } }, Uint8Array | DirectoryListing, 'binary'>('GET', '/api/v1/sessions/{session_id}/files', 'binary'),
  getTaskArchive: route<TaskPath & { query?: ArchiveQuery }, ReadableStream<Uint8Array>, 'binary'>('GET', '/api/v1/tasks/{task_id}/archive', 'binary'),
  getOpenApi: route<NoArgs, OpenApiDocument>('GET', '/openapi.json'),
  getDocs: route<NoArgs, string, 'text'>('GET', '/docs', 'text'),
} as const;

export type OperationId = keyof typeof ROUTES;
export type ArgsOf<Op extends OperationId> = (typeof ROUTES)[Op] extends Route<infer A, unknown> ? A : never;
export type ResponseOf<Op extends OperationId> = (typeof ROUTES)[Op] extends Route<RouteArgs, infer R> ? R : never;

/** Operations answered by a single request (the event streams are opened by event-stream.ts). */
export type RequestOperationId = { [Op in OperationId]: (typeof ROUTES)[Op]['kind'] extends 'json' | 'text' ? Op : never }[OperationId];

/** `/api/v1/tasks/{task_id}` with `{task_id: "a b"}` → `/api/v1/tasks/a%20b`. */
export function fillPath(template: string, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new TypeError(`Missing path parameter "${name}" for ${template}`);
    return encodeURIComponent(value);
  });
}

/** A query string from an object, leaving out undefined values; '' when nothing is left. */
export function queryString(query: object | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
