import { CcsApiError } from './errors.js';
import { streamTaskEvents, type StreamOptions, type StreamTransport } from './event-stream.js';
import { HttpTransport, type HttpOptions, type RequestOptions } from './http.js';
import type { ArgsOf, RequestOperationId, ResponseOf } from './routes.js';
import { SchedulesApi } from './schedules-api.js';
import { SecretsApi } from './secrets-api.js';
import { FilesApi, type UploadBody } from './files-api.js';
import type { ArchiveQuery, DirectoryListing, UploadedFile } from './files.js';
import type { WebSocketConstructor } from './stream-connections.js';
import type {
  CreateTriggerRequest,
  DeletedSession,
  DeletedTrigger,
  FireTriggerRequest,
  IssuedTrigger,
  Trigger,
  TriggerList,
  EventPage,
  EventsPageQuery,
  ForkSessionRequest,
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
  TaskEvent,
  TaskList,
  WebhookDeliveryList,
  WsTicket,
} from './types.js';

export interface CcsClientOptions extends HttpOptions {
  /** A WebSocket class; by default the global one (browsers, Node ≥ 22), else the `ws` package. */
  WebSocket?: WebSocketConstructor | undefined;
  /** How `stream()` and `run()` follow events when not told otherwise. Default `websocket`. */
  transport?: StreamTransport | undefined;
}

export interface RunOptions {
  /** Aborting it interrupts the task; `run()` then resolves with the task as it ended (normally `interrupted`). */
  signal?: AbortSignal | undefined;
  /** Called with every event as it arrives. */
  onEvent?: ((event: TaskEvent) => void) | undefined;
  transport?: StreamTransport | undefined;
}

class TasksApi {
  constructor(private readonly client: CcsClient) {}

  submit(body: SubmitTaskRequest, options?: RequestOptions): Promise<SubmittedTask> {
    return this.client.request('submitTask', { body }, options);
  }

  get(taskId: string, options?: RequestOptions): Promise<Task> {
    return this.client.request('getTask', { path: { task_id: taskId } }, options);
  }

  list(query: ListTasksQuery = {}, options?: RequestOptions): Promise<TaskList> {
    return this.client.request('listTasks', { query }, options);
  }

  /** Every task matching the query, page after page. */
  async *listAll(query: Omit<ListTasksQuery, 'cursor'> = {}, options?: RequestOptions): AsyncGenerator<Task, void> {
    let cursor: string | undefined;
    do {
      const page = await this.list({ ...query, cursor }, options);
      yield* page.tasks;
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }

  interrupt(taskId: string, options?: RequestOptions): Promise<Task> {
    return this.client.request('interruptTask', { path: { task_id: taskId } }, options);
  }

  /** The deliveries of the task's webhook, with their attempts and outcome. */
  webhooks(taskId: string, options?: RequestOptions): Promise<WebhookDeliveryList> {
    return this.client.request('getTaskWebhooks', { path: { task_id: taskId } }, options);
  }

  /** Allows or denies a tool call the task waits on (a `permission_request` event, `pending_permissions`). */
  answerPermission(taskId: string, requestId: string, answer: PermissionAnswer, options?: RequestOptions): Promise<PermissionAnswerResult> {
    return this.client.request('answerPermission', { path: { task_id: taskId, request_id: requestId }, body: answer }, options);
  }

  /** A unified diff of what the finished task changed in its workspace ('' when nothing). */
  diff(taskId: string, options?: RequestOptions): Promise<string> {
    return this.client.request('getTaskDiff', { path: { task_id: taskId } }, options);
  }

  /** The task's workspace as a streamed tar.gz (default), or what it changed as a patch (`{format: 'patch'}`). */
  archive(taskId: string, query: ArchiveQuery = {}, options?: RequestOptions): Promise<ReadableStream<Uint8Array>> {
    return this.client.files.archive(taskId, query, options);
  }

  /** One page of the stored event history (no live events). */
  events(taskId: string, query: EventsPageQuery = {}, options?: RequestOptions): Promise<EventPage> {
    return this.client.request('getTaskEvents', { path: { task_id: taskId }, query: { ...query, format: 'json' } }, options);
  }

  /** The task's events, replayed then live, reconnecting by itself; ends after `complete`. */
  stream(taskId: string, options: StreamOptions = {}): AsyncGenerator<TaskEvent, void> {
    return streamTaskEvents(this.client.streamDeps, taskId, { transport: this.client.transport, ...options });
  }

  /**
   * Submits the task and waits for it to end; resolves with the final task whatever its status
   * (completed, failed, interrupted, timed_out: outcomes, not exceptions). Aborting `signal`
   * interrupts the task. Rejects only when the API or the connection fails.
   */
  async run(body: SubmitTaskRequest, options: RunOptions = {}): Promise<Task> {
    const { signal } = options;
    signal?.throwIfAborted();
    const { task_id: taskId } = await this.submit(body);
    const failed = new AbortController();
    let interruptError: unknown;
    const interrupt = () => {
      this.interrupt(taskId).catch((error: unknown) => {
        // The task ended on its own meanwhile: nothing to stop.
        if (error instanceof CcsApiError && error.code === 'TASK_NOT_RUNNING') return;
        interruptError = error;
        failed.abort(error);
      });
    };
    signal?.addEventListener('abort', interrupt, { once: true });
    if (signal?.aborted) interrupt();
    try {
      for await (const event of this.stream(taskId, { transport: options.transport, signal: failed.signal })) options.onEvent?.(event);
    } catch (error) {
      throw interruptError ?? error;
    } finally {
      signal?.removeEventListener('abort', interrupt);
    }
    return this.get(taskId);
  }
}

class SessionsApi {
  constructor(private readonly client: CcsClient) {}

  /** Writes a file into the session's workspace (see docs/files.md). */
  upload(sessionId: string, path: string, body: UploadBody, options?: RequestOptions): Promise<UploadedFile> {
    return this.client.files.upload(sessionId, path, body, options);
  }

  /** A file of the session's workspace, as bytes. */
  download(sessionId: string, path: string, options?: RequestOptions): Promise<Uint8Array> {
    return this.client.files.download(sessionId, path, options);
  }

  /** A directory of the session's workspace, with sizes and hashes. */
  listFiles(sessionId: string, path = '.', options?: RequestOptions): Promise<DirectoryListing> {
    return this.client.files.listFiles(sessionId, path, options);
  }

  list(query: ListSessionsQuery = {}, options?: RequestOptions): Promise<SessionList> {
    return this.client.request('listSessions', { query }, options);
  }

  get(sessionId: string, options?: RequestOptions): Promise<Session> {
    return this.client.request('getSession', { path: { session_id: sessionId } }, options);
  }

  /** Interrupts the session's running task, cancels its queued ones, deletes it. */
  delete(sessionId: string, options?: RequestOptions): Promise<DeletedSession> {
    return this.client.request('deleteSession', { path: { session_id: sessionId } }, options);
  }

  /** A new session continuing this one's conversation as of the end of a finished task (default: the latest); the source is untouched. */
  fork(sessionId: string, request: ForkSessionRequest = {}, options?: RequestOptions): Promise<Session> {
    return this.client.request('forkSession', { path: { session_id: sessionId }, body: request }, options);
  }
}

/**
 * The typed client for Claude Code Server. Works in Node ≥ 20 and browsers.
 *
 * ```ts
 * const ccs = new CcsClient({ baseUrl: 'http://127.0.0.1:8000', apiKey: process.env.CCS_API_KEY });
 * const task = await ccs.tasks.run({ prompt: 'create notes.md', workspace: 'demo' });
 * ```
 */
export class CcsClient {
  readonly tasks = new TasksApi(this);
  readonly sessions = new SessionsApi(this);
  readonly schedules = new SchedulesApi(this);
  readonly secrets = new SecretsApi(this);
  /** @internal Raw-body routes; use sessions.upload/download/listFiles and tasks.archive. */
  readonly files = new FilesApi(() => this.http);
  readonly transport: StreamTransport;
  private readonly http: HttpTransport;
  private readonly WebSocketImpl: WebSocketConstructor | undefined;

  constructor(options: CcsClientOptions) {
    this.http = new HttpTransport(options);
    this.WebSocketImpl = options.WebSocket;
    this.transport = options.transport ?? 'websocket';
  }

  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** @internal What the event streams need. */
  get streamDeps() {
    return { http: this.http, WebSocket: this.WebSocketImpl };
  }

  /** Any route of the table by its OpenAPI operationId, typed both ways. */
  request<Op extends RequestOperationId>(op: Op, args: ArgsOf<Op>, options?: RequestOptions): Promise<ResponseOf<Op>> {
    return this.http.request(op, args, options);
  }

  /** GET /health. Resolves also while the server shuts down (`status: "shutting_down"`, HTTP 503). */
  health(options?: RequestOptions): Promise<Health> {
    return this.request('getHealth', {}, options);
  }

  /** A single-use WebSocket ticket. `stream()` asks for one by itself; this is for your own sockets. */
  createWsTicket(options?: RequestOptions): Promise<WsTicket> {
    return this.request('createWsTicket', {}, options);
  }

  openapi(options?: RequestOptions): Promise<OpenApiDocument> {
    return this.request('getOpenApi', {}, options);
  }

  /** A trigger: a named task template with a token of its own. The answer is the only one that shows the token. */
  createTrigger(body: CreateTriggerRequest, options?: RequestOptions): Promise<IssuedTrigger> {
    return this.request('createTrigger', { body }, options);
  }

  listTriggers(options?: RequestOptions): Promise<TriggerList> {
    return this.request('listTriggers', {}, options);
  }

  getTrigger(triggerId: string, options?: RequestOptions): Promise<Trigger> {
    return this.request('getTrigger', { path: { trigger_id: triggerId } }, options);
  }

  deleteTrigger(triggerId: string, options?: RequestOptions): Promise<DeletedTrigger> {
    return this.request('deleteTrigger', { path: { trigger_id: triggerId } }, options);
  }

  /** A new token; the old one stops working at once. */
  rotateTrigger(triggerId: string, options?: RequestOptions): Promise<IssuedTrigger> {
    return this.request('rotateTrigger', { path: { trigger_id: triggerId } }, options);
  }

  /**
   * Starts a task from the trigger's template, authenticated by the trigger's token (no API key
   * needed). `idempotencyKey`: a retried fire with the same key returns the first fire's task.
   */
  fireTrigger(
    triggerId: string,
    token: string,
    body: FireTriggerRequest = {},
    options: RequestOptions & { idempotencyKey?: string | undefined } = {},
  ): Promise<Task> {
    const { idempotencyKey, ...rest } = options;
    const headers: Record<string, string> = { ...rest.headers, authorization: `Bearer ${token}` };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
    return this.request('fireTrigger', { path: { trigger_id: triggerId }, body }, { ...rest, headers });
  }

  /** The Swagger UI page, as HTML. */
  docs(options?: RequestOptions): Promise<string> {
    return this.request('getDocs', {}, options);
  }

  /** `sessions.fork`: a new session continuing `sessionId`'s conversation (see docs/forks.md). */
  fork(sessionId: string, request: ForkSessionRequest = {}, options?: RequestOptions): Promise<Session> {
    return this.sessions.fork(sessionId, request, options);
  }
}
