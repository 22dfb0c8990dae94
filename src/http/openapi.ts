import { EVENT_TYPES } from '../events/event-types.js';
import { VERSION } from '../server/version.js';
import { componentSchemas, queryParameters, requestComponentId } from './openapi/components.js';
import { errorResponse, PATH_PARAMETERS, ref, type JsonObject, type Operation } from './openapi/operation.js';
import { DOCS_OPERATIONS } from './routes/docs.js';
import { FILE_OPERATIONS } from './routes/files.js';
import { HEALTH_OPERATION } from './routes/health.js';
import { SCHEDULE_OPERATIONS } from './routes/schedules.js';
import { FORK_SESSION_OPERATION } from './routes/session-forks.js';
import { SESSION_OPERATIONS } from './routes/sessions.js';
import { TASK_EVENTS_OPERATION } from './routes/task-events.js';
import { TASK_EXTRA_OPERATIONS } from './routes/task-extras.js';
import { ANSWER_PERMISSION_OPERATION } from './routes/task-permissions.js';
import { TASK_OPERATIONS } from './routes/tasks.js';
import { TRIGGER_OPERATIONS } from './routes/triggers.js';
import { SECRET_OPERATIONS } from './routes/secrets.js';
import { WS_TICKET_OPERATION } from './routes/ws-tickets.js';
import { TASK_EVENTS_WEBSOCKET_OPERATION } from './ws-task-events.js';

/**
 * The OpenAPI 3.1 description of the API, generated from the routes: each route declares its
 * operation beside its handler (src/http/openapi/operation.ts), with the zod schemas that validate
 * its requests (src/http/schemas.ts) and describe its answers (src/http/response-schemas.ts).
 * `npm run openapi` writes it to openapi.json; test/unit/openapi.test.ts fails when that file
 * drifts from this, or when a registered route has no operation.
 */

export type OpenApiDocument = JsonObject & { openapi: string; paths: Record<string, Record<string, JsonObject>> };

/** Every documented route, in the document's order. A function: route modules import this one (docs.ts). */
function operations(): Operation[] {
  return [
    HEALTH_OPERATION,
    TASK_OPERATIONS.submitTask,
    TASK_OPERATIONS.listTasks,
    TASK_OPERATIONS.getTask,
    TASK_OPERATIONS.interruptTask,
    ANSWER_PERMISSION_OPERATION,
    TASK_EVENTS_OPERATION,
    TASK_EXTRA_OPERATIONS.getTaskWebhooks,
    TASK_EXTRA_OPERATIONS.getTaskDiff,
    TASK_EVENTS_WEBSOCKET_OPERATION,
    WS_TICKET_OPERATION,
    SESSION_OPERATIONS.listSessions,
    SESSION_OPERATIONS.getSession,
    SESSION_OPERATIONS.deleteSession,
    ...Object.values(SCHEDULE_OPERATIONS),
    TRIGGER_OPERATIONS.createTrigger,
    TRIGGER_OPERATIONS.listTriggers,
    TRIGGER_OPERATIONS.getTrigger,
    TRIGGER_OPERATIONS.deleteTrigger,
    TRIGGER_OPERATIONS.rotateTrigger,
    TRIGGER_OPERATIONS.fireTrigger,
    ...Object.values(SECRET_OPERATIONS),
    FORK_SESSION_OPERATION,
    ...Object.values(FILE_OPERATIONS),
    DOCS_OPERATIONS.getOpenApi,
    DOCS_OPERATIONS.getDocs,
  ];
}

/** Errors every route but /health can answer. */
const COMMON_ERRORS: JsonObject = {
  '401': { $ref: '#/components/responses/Unauthorized' },
  '429': { $ref: '#/components/responses/RateLimited' },
};

/** Path parameters in the order the template names them, then query parameters, then headers. */
function parametersOf(op: Operation): JsonObject[] {
  const pathParameters = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]): JsonObject => {
    const description = PATH_PARAMETERS[name!];
    if (description === undefined) throw new Error(`OpenAPI: describe the path parameter "${name}" in PATH_PARAMETERS`);
    return { name: name!, in: 'path', required: true, description, schema: { type: 'string' } };
  });
  const query = op.query ? queryParameters(op.query.schema, op.query.help) : [];
  return [...pathParameters, ...query, ...(op.headers ?? [])];
}

function operationObject(op: Operation): JsonObject {
  const out: JsonObject = { operationId: op.id, summary: op.summary, tags: op.tags };
  if (op.description) out.description = op.description;
  const parameters = parametersOf(op);
  if (parameters.length > 0) out.parameters = parameters;
  if (op.rawBody) out.requestBody = op.rawBody;
  if (op.body) out.requestBody = { required: true, content: { 'application/json': { schema: ref(requestComponentId(op.body)) } } };
  out.responses = op.public ? op.responses : { ...op.responses, ...COMMON_ERRORS };
  if (op.public) out.security = op.security ?? [];
  return out;
}

function paths(): Record<string, Record<string, JsonObject>> {
  const out: Record<string, Record<string, JsonObject>> = {};
  for (const op of operations()) {
    const item = (out[op.path] ??= {});
    if (item[op.method]) throw new Error(`OpenAPI: two operations for ${op.method.toUpperCase()} ${op.path}`);
    item[op.method] = operationObject(op);
  }
  return out;
}

const EVENT_TYPE_LIST = EVENT_TYPES.map((t) => `\`${t}\``).join(', ');

export function buildOpenApiDocument(): OpenApiDocument {
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
      { name: 'schedules', description: 'Tasks submitted on a cron schedule.' },
      { name: 'triggers', description: 'Named task templates started by a token of their own (CI systems, chat bots).' },
      { name: 'secrets', description: 'Write-only values per tenant, encrypted at rest, that MCP server headers name.' },
      { name: 'files', description: "Files in and out of a session's workspace, and a task's workspace as an archive." },
      { name: 'docs', description: 'This document and Swagger UI.' },
    ],
    security: [{ ApiKeyHeader: [] }, { BearerAuth: [] }, {}],
    paths: paths(),
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
        TriggerToken: { type: 'http', scheme: 'bearer', description: "A trigger's own token (POST /api/v1/triggers/{trigger_id}/fire only)." },
      },
    },
  };
}

/** The document as committed in openapi.json: stable key order, two-space indent, final newline. */
export function renderOpenApiDocument(): string {
  return JSON.stringify(buildOpenApiDocument(), null, 2) + '\n';
}
