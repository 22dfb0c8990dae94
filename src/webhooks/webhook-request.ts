import { z } from 'zod';
import { WEBHOOK_EVENTS, type WebhookTarget } from './webhook-types.js';

/** `webhook` in a submitted task (and a tenant's default in API_KEYS_FILE). */
export const webhookRequestSchema = z.strictObject({
  url: z.string().min(1).max(2048).describe('http(s) URL that receives a signed POST on each chosen event.'),
  events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length).optional().describe('Which events to send; default: all of them.'),
});

export type WebhookRequest = z.infer<typeof webhookRequestSchema>;

export function webhookTarget(request: WebhookRequest): WebhookTarget {
  return { url: request.url, events: [...new Set(request.events ?? WEBHOOK_EVENTS)] };
}
