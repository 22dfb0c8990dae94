import type { FastifyInstance } from 'fastify';
import type { SecretService } from '../../secrets/secret-service.js';
import { errorResponse, json, operation, urlOf } from '../openapi/operation.js';
import { secretListSchema, secretSchema } from '../secret-response-schemas.js';
import { setSecretSchema } from '../secret-schemas.js';
import { responseJsonSchema } from '../serialization.js';
import { validate } from '../validate.js';

interface SecretParams {
  name: string;
}

const DISABLED = '503: SECRETS_DISABLED: the server has no SECRETS_KEY.';

export const SECRET_OPERATIONS = {
  setSecret: operation({
    method: 'post',
    path: '/api/v1/secrets',
    id: 'setSecret',
    summary: 'Create a secret, or replace its value',
    description:
      'Stores the value encrypted (AES-256-GCM under SECRETS_KEY). An MCP server header of a task names it as `{"secret": "<name>"}`; ' +
      'the value is injected by the server and never shown by any answer, event or log line.',
    tags: ['secrets'],
    body: setSecretSchema,
    responses: {
      '201': json(secretSchema, 'Created.'),
      '200': json(secretSchema, 'The value of an existing secret was replaced.'),
      '400': errorResponse('INVALID_JSON or VALIDATION_ERROR.'),
      '503': errorResponse(DISABLED),
    },
  }),
  listSecrets: operation({
    method: 'get',
    path: '/api/v1/secrets',
    id: 'listSecrets',
    summary: "List the caller's secrets, sorted by name (never their values)",
    tags: ['secrets'],
    responses: { '200': json(secretListSchema, 'The secrets.'), '503': errorResponse(DISABLED) },
  }),
  getSecret: operation({
    method: 'get',
    path: '/api/v1/secrets/{name}',
    id: 'getSecret',
    summary: "A secret's metadata (never its value)",
    tags: ['secrets'],
    responses: { '200': json(secretSchema, 'The secret.'), '404': errorResponse('SECRET_NOT_FOUND.'), '503': errorResponse(DISABLED) },
  }),
  deleteSecret: operation({
    method: 'delete',
    path: '/api/v1/secrets/{name}',
    id: 'deleteSecret',
    summary: 'Delete a secret',
    description: 'From this answer on, the server has no value to inject for that name, on every instance.',
    tags: ['secrets'],
    responses: { '204': { description: 'Deleted.' }, '404': errorResponse('SECRET_NOT_FOUND.'), '503': errorResponse(DISABLED) },
  }),
};

export function registerSecretRoutes(app: FastifyInstance, secrets: SecretService): void {
  const one = responseJsonSchema(secretSchema);

  app.post(urlOf(SECRET_OPERATIONS.setSecret), { schema: { response: { 200: one, 201: one } } }, async (request, reply) => {
    // Refused before the body is looked at: nothing of a value is handled without a key.
    secrets.assertEnabled();
    const body = validate(setSecretSchema, request.body, 'body');
    const { created, secret } = await secrets.set(request.tenant, body.name, body.value);
    return reply.code(created ? 201 : 200).send(secret);
  });

  app.get(urlOf(SECRET_OPERATIONS.listSecrets), { schema: { response: { 200: responseJsonSchema(secretListSchema) } } }, async (request) => ({
    secrets: await secrets.list(request.tenant),
  }));

  app.get<{ Params: SecretParams }>(urlOf(SECRET_OPERATIONS.getSecret), { schema: { response: { 200: one } } }, async (request) =>
    secrets.get(request.tenant, request.params.name),
  );

  app.delete<{ Params: SecretParams }>(urlOf(SECRET_OPERATIONS.deleteSecret), async (request, reply) => {
    await secrets.delete(request.tenant, request.params.name);
    return reply.code(204).send();
  });
}
