import type { WebhookEvent } from '../../packages/client/src/types.js';

/** Task events a webhook can subscribe to: the four final statuses and approval requests. */
export { WEBHOOK_EVENTS, type WebhookEvent } from '../../packages/client/src/types.js';

/** Where a task's notifications go, as stored with the task (the secret never is). */
export interface WebhookTarget {
  url: string;
  events: WebhookEvent[];
  /** Set when an agent protocol's push-notification config (A2A) stands behind this webhook. */
  push_config?: PushConfig;
}

/**
 * An A2A push-notification config: deliveries carry an A2A body, and its token and authentication
 * as A2A receivers expect them, besides our signature.
 */
export interface PushConfig {
  id: string;
  token: string | null;
  authentication: { scheme: string; credentials: string } | null;
}

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One notification in the outbox. It is stored before the first attempt and keeps its
 * `webhook_id` across retries, so a receiver can drop duplicates.
 */
export interface WebhookDelivery {
  webhook_id: string;
  task_id: string;
  tenant_id: string;
  url: string;
  event: WebhookEvent;
  /** The exact JSON body that is signed and sent. */
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due (pending), or null once settled. */
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export type WebhookDeliveryPatch = Partial<
  Pick<WebhookDelivery, 'status' | 'attempts' | 'next_attempt_at' | 'last_status_code' | 'last_error' | 'delivered_at'>
>;

/** Every stored field of a webhook delivery, in the order of the API's JSON. */
export const WEBHOOK_DELIVERY_FIELDS = [
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
] as const satisfies readonly (keyof WebhookDelivery)[];
