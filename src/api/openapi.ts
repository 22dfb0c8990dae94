import { z } from 'zod';
import { EVENT_TYPES } from '../events/event-types.js';
import { VERSION } from '../server/version.js';
import * as responses from './response-schemas.js';
import {
  eventsHttpQuerySchema,
  eventsQuerySchema,
  listSessionsQuerySchema,
  listTasksQuerySchema,
  permissionAnswerSchema,
  sessionRequestSchema,
  submitTaskSchema,
  taskOptionsSchema,
} from './schemas.js';

/**
 * The OpenAPI 3.1 description of the API, generated from the zod schemas that validate requests
 * (src/api/schemas.ts) and describe responses (src/api/response-schemas.ts). `npm run openapi`
 * writes it to openapi.json; test/unit/openapi.test.ts fails when that file drifts from this.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
export type OpenApiDocument = JsonObject & { openapi: string; paths: Record<string, Record<string, JsonObject>> };

const ref = (id: string): JsonObject => ({ $ref: `#/components/schemas/${id}` });

/** JSON Schema options shared by every conversion: request side of transforms, no int-range noise. */
const CONVERSION = {
  io: 'input',
  // z.number().int() says "between ±2^53-1"; that is JSON's own limit, not a rule of this API.
  override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  },
} as const;

/** Components: every schema that has an id, requests under names of their own. */
function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  const named: [z.ZodType, string][] = [
    [submitTaskSchema, 'SubmitTaskRequest'],
    [taskOptionsSchema, 'TaskOptionsRequest'],
    [sessionRequestSchema, 'SessionRequest'],
    [permissionAnswerSchema, 'PermissionAnswer'],
  ];
  for (const [schema, id] of named) registry.add(schema, { id });
  for (const value of Object.values(responses)) {
    if (!(value instanceof z.ZodType)) continue;
    const id = z.globalRegistry.get(value)?.id;
    if (id !== undefined) registry.add(value, { id });
  }
  const { schemas } = z.toJSONSchema(registry, { ...CONVERSION, uri: (id) => `#/components/schemas/${id}` });
  const out: Record<string, JsonObject> = {};
  for (const [id, schema] of Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))) {
    if (id === '__shared') throw new Error('OpenAPI: a schema was extracted without an id; give it one in response-schemas.ts');
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonObject;
    out[id] = rest;
  }
  return out;
}

/** A strict query schema, one OpenAPI parameter per property. */
function queryParameters(schema: z.ZodObject, descriptions: Record<string, string> = {}): JsonObject[] {
  const json = z.toJSONSchema(schema, CONVERSION) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const parameter: JsonObject = { name, in: 'query', required: (json.required ?? []).includes(name), schema: property };
    if (descriptions[name]) parameter.description = descriptions[name];
    return parameter;
  });
}

const pathParameter = (name: string, description: string): JsonObject => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const TASK_ID = pathParameter('task_id', 'The task id.');
const SESSION_ID = pathParameter('session_id', 'The session id.');

const json = (schema: JsonObject, description: string): JsonObject => ({
  description,
  content: { 'application/json': { schema } },
});

/** An error answer: each code that status can carry, in the one error shape. */
const errorResponse = (description: string): JsonObject => json(ref('Error'), description);

/** Errors every route but /health can answer. */
const COMMON_ERRORS: JsonObject = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '429': { $ref: '#/components/responses/RateLimited' },
};

function operation(spec: {
  id: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses: JsonObject;
  public?: boolean;
}): JsonObject {
  const op: JsonObject = { operationId: spec.id, summary: spec.summary, tags: spec.tags };
  if (spec.description) op.description = spec.description;
  if (spec.parameters) op.parameters = spec.parameters;
  if (spec.requestBody) op.requestBody = spec.requestBody;
  op.responses = spec.public ? spec.responses : { ...spec.responses, ...COMMON_ERRORS };
  if (spec.public) op.security = [];
  return op;
}

const EVENT_TYPE_LIST = EVENT_TYPES.map((t) => `\`${t}\``).join(', ');

export function buildOpenApiDocument(): OpenApiDocument {
  const eventsQueryHelp = {
    after: 'Only events with a greater `seq` (resume after the last one you have).',
    format: '`sse` (default): a live Server-Sent Events stream. `json`: one page of the stored history.',
    limit: 'With `format=json`: the page size.',
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Claude Code Server',
      version: VERSION,
      description: [
        'A daemon that runs AI coding tasks with the Claude Agent SDK and streams every step live.',
        '',
        '- Every error has one shape, `{"error": {"code", "message"}}` (`details` for validation errors).',
        '- Every response carries `X-Request-Id` (yours, if you sent a valid one).',
        '- With `API_AUTH_ENABLED=true`, every route but `/health` needs the key in `X-API-Key` or `Authorization: Bearer`.',
        '- With `API_RATE_LIMIT_ENABLED=true` (default), every route but `/health` is limited to `API_RATE_LIMIT_PER_MINUTE`',
        '  requests per minute per key (per client IP without a valid key): answers carry `x-ratelimit-limit`,',
        '  `x-ratelimit-remaining` and `x-ratelimit-reset`; past the limit, 429 `RATE_LIMITED` with `Retry-After`.',
        '- Prometheus metrics are served on a separate port (`METRICS_PORT`), not by this API.',
      ].join('\n'),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'health', description: 'Liveness and load.' },
      { name: 'tasks', description: 'Submit, inspect, list and interrupt tasks.' },
      { name: 'events', description: `Task events (${EVENT_TYPE_LIST}) over WebSocket, Server-Sent Events or as JSON.` },
      { name: 'sessions', description: 'Sessions: a conversation and its workspace, reused across tasks.' },
      { name: 'docs', description: 'This document and Swagger UI.' },
    ],
    security: [{ ApiKeyHeader: [] }, { BearerAuth: [] }, {}],
    paths: {
      '/health': {
        get: operation({
          id: 'getHealth',
          summary: 'Server health and load',
          description: 'Never needs a key and is never rate limited. 503 with `status: "shutting_down"` while the server stops.',
          tags: ['health'],
          public: true,
          responses: { '200': json(ref('Health'), 'Healthy.'), '503': json(ref('Health'), 'Shutting down.') },
        }),
      },
      '/api/v1/tasks': {
        post: operation({
          id: 'submitTask',
          summary: 'Submit a task',
          description:
            'Unknown fields are refused. Resubmitting the same `task_id` with the same body returns the existing task (200) ' +
            'and runs nothing twice; a different body under that id is 409.',
          tags: ['tasks'],
          requestBody: { required: true, content: { 'application/json': { schema: ref('SubmitTaskRequest') } } },
          responses: {
            '201': json(ref('SubmittedTask'), 'A new task, `running` or `queued`.'),
            '200': json(ref('SubmittedTask'), 'The same task_id and body were already submitted: the existing task.'),
            '400': errorResponse(
              'INVALID_JSON, VALIDATION_ERROR, WORKSPACE_OUTSIDE_ROOT, WORKSPACE_INVALID, PERMISSION_MODE_REFUSED, WEBHOOK_URL_REFUSED or WEBHOOK_SECRET_MISSING.',
            ),
            '402': errorResponse("TENANT_BUDGET_EXCEEDED: this month's budget of the caller's tenant is spent."),
            '404': errorResponse('SESSION_NOT_FOUND: `session.reuse_existing` named an unknown session.'),
            '409': errorResponse('TASK_ID_CONFLICT, SESSION_ALREADY_EXISTS or SESSION_WORKSPACE_MISMATCH.'),
            '413': errorResponse('BODY_TOO_LARGE.'),
            '415': errorResponse('UNSUPPORTED_MEDIA_TYPE: the body is not application/json.'),
            '503': errorResponse('SHUTTING_DOWN.'),
          },
        }),
        get: operation({
          id: 'listTasks',
          summary: 'List tasks, newest first',
          tags: ['tasks'],
          parameters: queryParameters(listTasksQuerySchema, {
            status: 'Only tasks in this status.',
            limit: 'Page size.',
            cursor: 'The `next_cursor` of the previous page.',
          }),
          responses: { '200': json(ref('TaskList'), 'A page of tasks.'), '400': errorResponse('VALIDATION_ERROR.') },
        }),
      },
      '/api/v1/tasks/{task_id}': {
        get: operation({
          id: 'getTask',
          summary: 'Get a task',
          tags: ['tasks'],
          parameters: [TASK_ID],
          responses: { '200': json(ref('Task'), 'The task.'), '404': errorResponse('TASK_NOT_FOUND.') },
        }),
      },
      '/api/v1/tasks/{task_id}/interrupt': {
        post: operation({
          id: 'interruptTask',
          summary: 'Interrupt a task',
          description: 'Answers once the task has stopped (at most `TASK_INTERRUPT_GRACE_MS` after asking). A queued task ends `interrupted` without running.',
          tags: ['tasks'],
          parameters: [TASK_ID],
          responses: {
            '200': json(ref('Task'), 'The task, now `interrupted` (or the final status it reached first).'),
            '404': errorResponse('TASK_NOT_FOUND.'),
            '409': errorResponse('TASK_NOT_RUNNING: the task had already finished.'),
          },
        }),
      },
      '/api/v1/tasks/{task_id}/permissions/{request_id}': {
        post: operation({
          id: 'answerPermission',
          summary: 'Allow or deny a tool call the task waits on',
          description:
            "For tools in `options.require_approval`: each call emits a `permission_request` event and waits, listed in the task's `pending_permissions`. " +
            '`allow` lets the call run (with `updated_input` instead of its own input, if given); `deny` returns an error (with `message`) to the agent, which goes on. ' +
            'Unanswered requests are denied after `options.approval_timeout` seconds (default 600), and when the task is interrupted, times out or the server shuts down.',
          tags: ['tasks'],
          parameters: [TASK_ID, pathParameter('request_id', 'The `request_id` of the `permission_request` event.')],
          requestBody: { required: true, content: { 'application/json': { schema: ref('PermissionAnswer') } } },
          responses: {
            '200': json(ref('PermissionAnswerResult'), 'The answer reached the waiting call.'),
            '400': errorResponse('VALIDATION_ERROR: a bad body.'),
            '404': errorResponse('TASK_NOT_FOUND.'),
            '409': errorResponse('PERMISSION_REQUEST_NOT_PENDING: unknown, already answered, timed out, or its task has ended.'),
            '503': errorResponse('INSTANCE_UNREACHABLE: with several instances, the one running the task did not take the answer within 5 s; retry.'),
          },
        }),
      },
      '/api/v1/tasks/{task_id}/events': {
        get: operation({
          id: 'getTaskEvents',
          summary: "A task's events: Server-Sent Events, or a page of history as JSON",
          description:
            'Default: Server-Sent Events, each frame `id: <seq>` and `data: <TaskEvent>`; replays stored events after `Last-Event-ID` ' +
            '(or `?after`), follows live ones and ends after `complete`. With `?format=json`: one page of the stored history.',
          tags: ['events'],
          parameters: [
            TASK_ID,
            ...queryParameters(eventsHttpQuerySchema, eventsQueryHelp),
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              description: 'Resume after this `seq` (EventSource sends it on reconnect). Takes precedence over `after`.',
              schema: { type: 'string', pattern: '^\\d{1,15}$' },
            },
          ],
          responses: {
            '200': {
              description: 'The event stream, or with `format=json` a page of events.',
              content: {
                'text/event-stream': {
                  schema: {
                    type: 'string',
                    description: 'Frames `id: <seq>` + `data: <TaskEvent as JSON>` (see the TaskEvent schema); comment lines are heartbeats.',
                  },
                },
                'application/json': { schema: ref('EventPage') },
              },
            },
            '204': { description: 'SSE: the client already has `complete`; nothing more will come (EventSource stops reconnecting).' },
            '400': errorResponse('VALIDATION_ERROR: a bad `after`, `format`, `limit` or `Last-Event-ID`, or (SSE) a seq the task has no event for.'),
            '404': errorResponse('TASK_NOT_FOUND.'),
          },
        }),
      },
      '/api/v1/tasks/{task_id}/webhooks': {
        get: operation({
          id: 'getTaskWebhooks',
          summary: "A task's webhook deliveries",
          description:
            'Every notification stored for the task, with its attempts and outcome. Deliveries are retried with backoff for up to `WEBHOOK_MAX_AGE_HOURS`.',
          tags: ['tasks'],
          parameters: [TASK_ID],
          responses: {
            '200': { description: 'The deliveries, oldest first.', content: { 'application/json': { schema: ref('WebhookDeliveryList') } } },
            '404': errorResponse('TASK_NOT_FOUND.'),
          },
        }),
      },
      '/api/v1/tasks/{task_id}/diff': {
        get: operation({
          id: 'getTaskDiff',
          summary: 'A unified diff of what a finished task changed in its workspace',
          description:
            "Through git where the workspace is in a repository (against the state at the task's start, without touching your index or committing), " +
            'otherwise from a snapshot taken at its start. Binary and huge files are listed in `changed_files` but not diffed. Empty when nothing changed.',
          tags: ['tasks'],
          parameters: [TASK_ID],
          responses: {
            '200': { description: 'The diff.', content: { 'text/x-diff': { schema: { type: 'string' } } } },
            '404': errorResponse('TASK_NOT_FOUND.'),
            '409': errorResponse('TASK_NOT_FINISHED: the task is queued or running.'),
          },
        }),
      },
      '/ws/tasks/{task_id}': {
        get: operation({
          id: 'taskEventsWebSocket',
          summary: "WebSocket: a task's events, replayed then live",
          description: [
            'Upgrade to a WebSocket (`ws://host/ws/tasks/{task_id}`). Each text message is one `TaskEvent` as JSON.',
            'The server replays the stored events from the start (or after `?after=<seq>`), streams live ones, and closes',
            'with code 1000 once the single `complete` event is sent. Close codes: 1000 complete; 1001 server shutting down;',
            '1011 internal error; 4008 slow consumer (reconnect with `?after=<last seq received>`; nothing is lost).',
            'Messages from the client are ignored. An unknown task or a bad `after` is refused at the upgrade with a plain',
            'HTTP error in the usual shape; with auth enabled the key is checked at the upgrade (`X-API-Key` or Bearer).',
          ].join(' '),
          tags: ['events'],
          parameters: [
            TASK_ID,
            ...queryParameters(eventsQuerySchema, {
              after: eventsQueryHelp.after,
              ticket: 'A ticket from POST /api/v1/ws-tickets, instead of a key header (browsers).',
            }),
          ],
          responses: {
            '101': { description: 'Switching protocols; then one TaskEvent (see its schema) per text message.' },
            '400': errorResponse('VALIDATION_ERROR: a bad `after`, or a seq the task has no event for.'),
            '401': errorResponse('UNAUTHORIZED: no key, a wrong key, or a used or expired ticket.'),
            '404': errorResponse('TASK_NOT_FOUND.'),
          },
        }),
      },
      '/api/v1/ws-tickets': {
        post: operation({
          id: 'createWsTicket',
          summary: 'A single-use ticket for a WebSocket upgrade',
          description:
            'For browsers, which cannot set headers on a WebSocket: ask for a ticket with your key, then connect to ' +
            '`/ws/tasks/{task_id}?ticket=…`. A ticket is valid once, for 30 seconds, and only for your own tasks. Never put a key in a URL.',
          tags: ['events'],
          responses: { '201': json(ref('WsTicket'), 'The ticket.') },
        }),
      },
      '/api/v1/sessions': {
        get: operation({
          id: 'listSessions',
          summary: 'List sessions',
          tags: ['sessions'],
          parameters: queryParameters(listSessionsQuerySchema, { status: 'Default: open sessions (idle or busy). `all` includes expired ones.' }),
          responses: { '200': json(ref('SessionList'), 'The sessions.'), '400': errorResponse('VALIDATION_ERROR.') },
        }),
      },
      '/api/v1/sessions/{session_id}': {
        get: operation({
          id: 'getSession',
          summary: 'Get a session',
          tags: ['sessions'],
          parameters: [SESSION_ID],
          responses: { '200': json(ref('Session'), 'The session.'), '404': errorResponse('SESSION_NOT_FOUND.') },
        }),
        delete: operation({
          id: 'deleteSession',
          summary: 'Delete a session',
          description: 'Interrupts its running task and cancels its queued ones (they end `interrupted` with SESSION_DELETED), then deletes it.',
          tags: ['sessions'],
          parameters: [SESSION_ID],
          responses: { '200': json(ref('DeletedSession'), 'Deleted.'), '404': errorResponse('SESSION_NOT_FOUND.') },
        }),
      },
      '/openapi.json': {
        get: operation({
          id: 'getOpenApi',
          summary: 'This OpenAPI document',
          tags: ['docs'],
          responses: { '200': { description: 'The document.', content: { 'application/json': { schema: { type: 'object' } } } } },
        }),
      },
      '/docs': {
        get: operation({
          id: 'getDocs',
          summary: 'Swagger UI for this document',
          tags: ['docs'],
          responses: { '200': { description: 'An HTML page.', content: { 'text/html': { schema: { type: 'string' } } } } },
        }),
      },
    },
    components: {
      schemas: componentSchemas(),
      responses: {
        Unauthorized: {
          ...errorResponse('UNAUTHORIZED: auth is enabled and the key is missing or wrong.'),
          headers: { 'WWW-Authenticate': { schema: { type: 'string', const: 'Bearer' } } },
        },
        RateLimited: {
          ...errorResponse('RATE_LIMITED: more than `API_RATE_LIMIT_PER_MINUTE` requests this minute (or QUEUE_FULL on task submission).'),
          headers: {
            'Retry-After': { description: 'Seconds until a request will be accepted again.', schema: { type: 'integer' } },
            'x-ratelimit-limit': { description: 'Requests allowed per window.', schema: { type: 'integer' } },
            'x-ratelimit-remaining': { description: 'Requests left in this window.', schema: { type: 'integer' } },
            'x-ratelimit-reset': { description: 'Seconds until the window resets.', schema: { type: 'integer' } },
          },
        },
      },
      securitySchemes: {
        ApiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'Required when API_AUTH_ENABLED=true.' },
        BearerAuth: { type: 'http', scheme: 'bearer', description: 'The same key as `Authorization: Bearer <key>`.' },
      },
    },
  };
}

/** The document as committed in openapi.json: stable key order, two-space indent, final newline. */
export function renderOpenApiDocument(): string {
  return JSON.stringify(buildOpenApiDocument(), null, 2) + '\n';
}
