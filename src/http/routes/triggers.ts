import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TriggerService } from '../../triggers/trigger-service.js';
import type { Trigger } from '../../triggers/trigger-types.js';
import { ApiError } from '../../errors.js';
import { errorResponse, json, operation, urlOf } from '../openapi/operation.js';
import { taskSchema } from '../response-schemas.js';
import { responseJsonSchema } from '../serialization.js';
import { deletedTriggerSchema, issuedTriggerSchema, triggerListSchema, triggerSchema } from '../trigger-response-schemas.js';
import { createTriggerSchema, fireTriggerSchema } from '../trigger-schemas.js';
import { validate } from '../validate.js';
import { taskView } from '../views.js';
import { baseUrlOf } from '../client-address.js';
import { traceOriginOf } from '../trace-origin.js';

interface TriggerParams {
  trigger_id: string;
}

/** The one route a trigger token opens; auth.ts lets it through without a tenant key. */
const FIRE_PATH = /^\/api\/v1\/triggers\/[^/?]+\/fire\/?$/;

export function isTriggerFirePath(path: string): boolean {
  return FIRE_PATH.test(path);
}

export const TRIGGER_OPERATIONS = {
  createTrigger: operation({
    method: 'post',
    path: '/api/v1/triggers',
    id: 'createTrigger',
    summary: 'Create a trigger',
    description: 'A named task template with a token of its own. The answer carries the token; no other answer ever does.',
    tags: ['triggers'],
    body: createTriggerSchema,
    responses: {
      '201': json(issuedTriggerSchema, 'The trigger and its token.'),
      '400': errorResponse('INVALID_JSON, VALIDATION_ERROR, WORKSPACE_OUTSIDE_ROOT or WORKSPACE_INVALID.'),
    },
  }),
  listTriggers: operation({
    method: 'get',
    path: '/api/v1/triggers',
    id: 'listTriggers',
    summary: "List the caller's triggers, oldest first",
    tags: ['triggers'],
    responses: { '200': json(triggerListSchema, 'The triggers (without tokens).') },
  }),
  getTrigger: operation({
    method: 'get',
    path: '/api/v1/triggers/{trigger_id}',
    id: 'getTrigger',
    summary: 'Get a trigger',
    tags: ['triggers'],
    responses: { '200': json(triggerSchema, 'The trigger (without its token).'), '404': errorResponse('TRIGGER_NOT_FOUND.') },
  }),
  deleteTrigger: operation({
    method: 'delete',
    path: '/api/v1/triggers/{trigger_id}',
    id: 'deleteTrigger',
    summary: 'Delete a trigger',
    description: 'Its token stops working at once; tasks it started are left as they are.',
    tags: ['triggers'],
    responses: { '200': json(deletedTriggerSchema, 'Deleted.'), '404': errorResponse('TRIGGER_NOT_FOUND.') },
  }),
  rotateTrigger: operation({
    method: 'post',
    path: '/api/v1/triggers/{trigger_id}/rotate',
    id: 'rotateTrigger',
    summary: "Replace a trigger's token",
    description: 'The old token stops working with this answer, on every instance.',
    tags: ['triggers'],
    responses: { '200': json(issuedTriggerSchema, 'The trigger and its new token.'), '404': errorResponse('TRIGGER_NOT_FOUND.') },
  }),
  fireTrigger: operation({
    method: 'post',
    path: '/api/v1/triggers/{trigger_id}/fire',
    id: 'fireTrigger',
    summary: 'Fire a trigger: start a task from its template',
    description:
      'Authenticated by the trigger token (`Authorization: Bearer <token>`), not by an API key. The optional `text` is appended to the ' +
      "template's prompt after one blank line. With `task_id` in the body or an `Idempotency-Key` header, a retried fire returns the task " +
      'the first one started (200). An unknown trigger answers like a wrong token (401).',
    tags: ['triggers'],
    headers: [
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', maxLength: 200 },
        description: 'Makes a retried fire start nothing new.',
      },
    ],
    body: fireTriggerSchema,
    public: true,
    security: [{ TriggerToken: [] }],
    responses: {
      '201': json(taskSchema, 'The task the fire started.'),
      '200': json(taskSchema, 'A retried fire (same task_id or Idempotency-Key, same text): the task the first one started.'),
      '400': errorResponse('INVALID_JSON, VALIDATION_ERROR, or what a submit of the template refuses (WORKSPACE_*, PERMISSION_MODE_REFUSED, WEBHOOK_*).'),
      '401': errorResponse('TRIGGER_UNAUTHORIZED: the token is missing or wrong, or there is no such trigger.'),
      '402': errorResponse("TENANT_BUDGET_EXCEEDED: this month's budget of the trigger's tenant is spent."),
      '409': errorResponse('TASK_ID_CONFLICT, SESSION_ALREADY_EXISTS or SESSION_WORKSPACE_MISMATCH.'),
      '429': errorResponse('RATE_LIMITED: too many fires of this trigger (TRIGGER_FIRE_RATE_PER_MINUTE), with Retry-After; or QUEUE_FULL.'),
    },
  }),
};

/** Where to fire the trigger, as the client reached the server. */
function fireUrl(request: FastifyRequest, triggerId: string): string {
  return `${baseUrlOf(request)}/api/v1/triggers/${encodeURIComponent(triggerId)}/fire`;
}

function triggerView(request: FastifyRequest, trigger: Trigger) {
  return {
    trigger_id: trigger.trigger_id,
    name: trigger.name,
    task: { ...trigger.task },
    created_at: trigger.created_at,
    token_issued_at: trigger.token_issued_at,
    last_fired_at: trigger.last_fired_at,
    fire_count: trigger.fire_count,
    fire_url: fireUrl(request, trigger.trigger_id),
  };
}

function bearerToken(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  const match = typeof authorization === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key === '' || key.length > 200) throw new ApiError('VALIDATION_ERROR', 'Idempotency-Key must be 1-200 characters');
  return key;
}

export async function registerTriggerRoutes(app: FastifyInstance, triggers: TriggerService): Promise<void> {
  const issued = { response: { 200: responseJsonSchema(issuedTriggerSchema), 201: responseJsonSchema(issuedTriggerSchema) } };
  const one = { response: { 200: responseJsonSchema(triggerSchema) } };

  app.post(urlOf(TRIGGER_OPERATIONS.createTrigger), { schema: issued }, async (request, reply) => {
    const body = validate(createTriggerSchema, request.body, 'body');
    const { trigger, token } = await triggers.create(request.tenant, body);
    return reply.code(201).send({ ...triggerView(request, trigger), token });
  });

  app.get(urlOf(TRIGGER_OPERATIONS.listTriggers), { schema: { response: { 200: responseJsonSchema(triggerListSchema) } } }, async (request) => ({
    triggers: (await triggers.list(request.tenant)).map((t) => triggerView(request, t)),
  }));

  app.get<{ Params: TriggerParams }>(urlOf(TRIGGER_OPERATIONS.getTrigger), { schema: one }, async (request) =>
    triggerView(request, await triggers.get(request.tenant, request.params.trigger_id)),
  );

  app.delete<{ Params: TriggerParams }>(urlOf(TRIGGER_OPERATIONS.deleteTrigger), async (request) => {
    const trigger = await triggers.delete(request.tenant, request.params.trigger_id);
    return { trigger_id: trigger.trigger_id, deleted: true };
  });

  app.post<{ Params: TriggerParams }>(urlOf(TRIGGER_OPERATIONS.rotateTrigger), { schema: issued }, async (request) => {
    const { trigger, token } = await triggers.rotate(request.tenant, request.params.trigger_id);
    return { ...triggerView(request, trigger), token };
  });

  const fired = responseJsonSchema(taskSchema);
  registerFireRoute(app, triggers, fired);
}

function registerFireRoute(app: FastifyInstance, triggers: TriggerService, fired: ReturnType<typeof responseJsonSchema>): void {
  app.post<{ Params: TriggerParams }>(urlOf(TRIGGER_OPERATIONS.fireTrigger), { schema: { response: { 200: fired, 201: fired } } }, async (request, reply) => {
    // No body at all is a fire without text.
    const body: { text?: string | undefined; task_id?: string | undefined } =
      request.body === undefined || request.body === null ? {} : validate(fireTriggerSchema, request.body, 'body');
    const { task, created } = await triggers.fire(request.params.trigger_id, {
      token: bearerToken(request),
      text: body.text,
      taskId: body.task_id,
      idempotencyKey: idempotencyKey(request),
      traceparent: traceOriginOf(request)?.traceparent,
    });
    // The caller holds no tenant key: the answer names the task by the id its tenant sees.
    return reply.code(created ? 201 : 200).send(taskView(request, task));
  });
}
