import { SESSION_FIELDS, type Session } from '../../sessions/session-types.js';
import { TASK_FIELDS, type Task } from '../../tasks/task-types.js';
import { WEBHOOK_DELIVERY_FIELDS, type WebhookDelivery } from '../../webhooks/webhook-types.js';

/**
 * Records are Redis hashes with one JSON-encoded value per field: a patch is an HSET of the
 * fields it names, and nested values (options, usage, error) round-trip exactly.
 */

/** A record read back from a hash is laid out in the API's field order, as written. */
const TASK_ORDER: readonly string[] = TASK_FIELDS;
const SESSION_ORDER: readonly string[] = SESSION_FIELDS;
const DELIVERY_ORDER: readonly string[] = WEBHOOK_DELIVERY_FIELDS;

/** [field, json, field, json, ...], skipping undefined (an absent patch field changes nothing). */
export function encodeFields(record: object): string[] {
  const out: string[] = [];
  for (const [field, value] of Object.entries(record)) {
    if (value !== undefined) out.push(field, JSON.stringify(value));
  }
  return out;
}

function decode<T>(hash: Record<string, string>, order: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const field of order) if (field in hash) out[field] = JSON.parse(hash[field]!);
  for (const [field, json] of Object.entries(hash)) if (!(field in out)) out[field] = JSON.parse(json);
  return out as T;
}

export const decodeTask = (hash: Record<string, string>): Task => decode<Task>(hash, TASK_ORDER);
export const decodeSession = (hash: Record<string, string>): Session => decode<Session>(hash, SESSION_ORDER);
export const decodeDelivery = (hash: Record<string, string>): WebhookDelivery => decode<WebhookDelivery>(hash, DELIVERY_ORDER);
