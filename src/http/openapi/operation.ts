import { z } from 'zod';
import { errorResponseSchema } from '../response-schemas.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * A route as the OpenAPI document describes it, declared beside its handler. The handler
 * registers at `urlOf(operation)`, so the documented path and the served one are one string;
 * request bodies and query parameters are the zod schemas the handler validates with.
 */
export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The OpenAPI template, e.g. `/api/v1/tasks/{task_id}`; each `{name}` is described in PATH_PARAMETERS. */
  path: string;
  id: string;
  summary: string;
  description?: string;
  tags: string[];
  /** One query parameter per property of the (strict) schema, with help text by name. */
  query?: { schema: z.ZodObject; help?: Record<string, string> };
  headers?: JsonObject[];
  /** The JSON body; it must be one of the named request components (components.ts). */
  body?: z.ZodType;
  /** A body that is not JSON (an uploaded file's bytes): the OpenAPI requestBody as is. */
  rawBody?: JsonObject;
  responses: Record<string, JsonObject>;
  /** No key needed and never rate limited (/health). */
  public?: boolean;
  /** With `public`: what it takes instead of a key (a trigger's token). */
  security?: JsonObject[];
}

/** Typed identity: an Operation literal checked where it is written. */
export const operation = (spec: Operation): Operation => spec;

/** The path Fastify registers: `{task_id}` becomes `:task_id`. */
export const urlOf = (op: Operation): string => op.path.replace(/\{(\w+)\}/g, ':$1');

export const PATH_PARAMETERS: Record<string, string> = {
  task_id: 'The task id.',
  session_id: 'The session id.',
  request_id: 'The `request_id` of the `permission_request` event.',
  schedule_id: 'The schedule id.',
  trigger_id: 'The trigger id (`trg_…`).',
  name: 'The secret name.',
};

export const ref = (id: string): JsonObject => ({ $ref: `#/components/schemas/${id}` });

/** A `$ref` to a response schema's component: the `id` it was given with `.meta()`. */
export function refTo(schema: z.ZodType): JsonObject {
  const id = z.globalRegistry.get(schema)?.id;
  if (id === undefined) throw new Error('OpenAPI: a response schema has no id; give it one with .meta({ id }) in response-schemas.ts');
  return ref(id);
}

/** A JSON answer in the shape of `schema`. */
export const json = (schema: z.ZodType, description: string): JsonObject => ({
  description,
  content: { 'application/json': { schema: refTo(schema) } },
});

/** An error answer: each code that status can carry, in the one error shape. */
export const errorResponse = (description: string): JsonObject => json(errorResponseSchema, description);
