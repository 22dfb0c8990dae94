import type { Session } from '../../sessions/session-types.js';
import type { Task } from '../../tasks/task-types.js';
import type { WebhookDelivery } from '../../webhooks/webhook-types.js';

/**
 * Records are Redis hashes with one JSON-encoded value per field: a patch is an HSET of the
 * fields it names, and nested values (options, usage, error) round-trip exactly.
 */

/** Field order of the API's JSON, so a record read back from a hash is laid out as written. */
const TASK_ORDER = [
  'task_id',
  'tenant_id',
  'session_id',
  'prompt',
  'workspace',
  'options',
  'status',
  'created_at',
  'started_at',
  'completed_at',
  'result',
  'usage',
  'num_turns',
  'cost_usd',
  'duration_ms',
  'error',
  'request_hash',
  'webhook',
  'changed_files',
  'instance_id',
  'structured_result',
];
const SESSION_ORDER = [
  'session_id',
  'tenant_id',
  'workspace',
  'status',
  'sdk_session_id',
  'created_at',
  'last_activity_at',
  'task_count',
  'current_task_id',
  'cost_usd',
  'sdk_cost_total_usd',
];
const DELIVERY_ORDER = [
  'webhook_id',
  'task_id',
  'tenant_id',
  'url',
  'event',
  'payload',
  'status',
  'attempts',
  'next_attempt_at',
  'last_status_code',
  'last_error',
  'created_at',
  'delivered_at',
];

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
