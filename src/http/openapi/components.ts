import { z } from 'zod';
import { forkSessionSchema } from '../fork-schemas.js';
import * as responses from '../response-schemas.js';
import { createScheduleSchema, scheduleTaskSchema, updateScheduleSchema } from '../schedule-schemas.js';
import * as triggerResponses from '../trigger-response-schemas.js';
import * as fileSchemas from '../file-schemas.js';
import * as secretResponses from '../secret-response-schemas.js';
import { setSecretSchema } from '../secret-schemas.js';
import { createTriggerSchema, fireTriggerSchema, triggerTaskSchema } from '../trigger-schemas.js';
import { permissionAnswerSchema, sessionRequestSchema, submitTaskSchema, taskOptionsSchema } from '../schemas.js';
import type { JsonObject } from './operation.js';

/** JSON Schema options shared by every conversion: request side of transforms, no int-range noise. */
const CONVERSION = {
  io: 'input',
  // z.number().int() says "between ±2^53-1"; that is JSON's own limit, not a rule of this API.
  override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
    if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
    if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
  },
} as const;

/** Request schemas that are components of their own (responses carry their id in `.meta()`). */
const REQUEST_COMPONENTS = new Map<z.ZodType, string>([
  [submitTaskSchema, 'SubmitTaskRequest'],
  [taskOptionsSchema, 'TaskOptionsRequest'],
  [sessionRequestSchema, 'SessionRequest'],
  [permissionAnswerSchema, 'PermissionAnswer'],
  [createScheduleSchema, 'CreateScheduleRequest'],
  [updateScheduleSchema, 'UpdateScheduleRequest'],
  [scheduleTaskSchema, 'ScheduleTaskRequest'],
  [createTriggerSchema, 'CreateTriggerRequest'],
  [triggerTaskSchema, 'TriggerTaskTemplate'],
  [fireTriggerSchema, 'FireTriggerRequest'],
  [forkSessionSchema, 'ForkSessionRequest'],
  [setSecretSchema, 'SetSecretRequest'],
]);

export function requestComponentId(schema: z.ZodType): string {
  const id = REQUEST_COMPONENTS.get(schema);
  if (id === undefined) throw new Error('OpenAPI: a request body schema is not a named component; add it to REQUEST_COMPONENTS');
  return id;
}

/** Components: every schema that has an id, requests under names of their own. */
export function componentSchemas(): Record<string, JsonObject> {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of REQUEST_COMPONENTS) registry.add(schema, { id });
  for (const value of [...Object.values(responses), ...Object.values(triggerResponses), ...Object.values(fileSchemas), ...Object.values(secretResponses)]) {
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
export function queryParameters(schema: z.ZodObject, descriptions: Record<string, string> = {}): JsonObject[] {
  const json = z.toJSONSchema(schema, CONVERSION) as { properties?: Record<string, JsonObject>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const parameter: JsonObject = { name, in: 'query', required: (json.required ?? []).includes(name), schema: property };
    if (descriptions[name]) parameter.description = descriptions[name];
    return parameter;
  });
}
