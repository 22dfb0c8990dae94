import { randomUUID } from 'node:crypto';
import type { Store } from '../storage/store.js';
import type { Task } from '../tasks/task-types.js';
import { externalId } from '../tenancy/tenant.js';
import type { WebhookDelivery, WebhookEvent } from './webhook-types.js';

/** The body of a delivery to a push-notification config (A2A's own shape), instead of ours. */
export type PushPayload = (task: Task, event: WebhookEvent, extra: Record<string, unknown>) => string;

/** Turns task events into stored deliveries; the dispatcher sends them. */
export class WebhookOutbox {
  constructor(
    private readonly store: Store,
    private readonly wake: () => void,
    private readonly now: () => Date,
    private readonly newId: () => string = () => `msg_${randomUUID().replace(/-/g, '')}`,
    private readonly pushPayload?: PushPayload,
  ) {}

  /** A finished task: notifies its webhook if it asked for this final status. */
  async taskFinished(task: Task): Promise<void> {
    if (task.status === 'queued' || task.status === 'running') return;
    await this.enqueue(task, task.status, {});
  }

  /** An approval the task waits for (see the approval round-trip). */
  async permissionRequested(task: Task, request: { request_id: string; tool_name: string }): Promise<void> {
    await this.enqueue(task, 'permission_request', request);
  }

  private async enqueue(task: Task, event: WebhookEvent, extra: Record<string, unknown>): Promise<void> {
    if (!task.webhook || !task.webhook.events.includes(event)) return;
    const timestamp = this.now().toISOString();
    // Small on purpose: the receiver fetches the task for the rest, with its own key.
    const payload =
      task.webhook.push_config && this.pushPayload
        ? this.pushPayload(task, event, extra)
        : JSON.stringify({
            type: `task.${event}`,
            timestamp,
            data: { task_id: externalId(task.task_id), session_id: externalId(task.session_id), status: task.status, ...extra },
          });
    const delivery: WebhookDelivery = {
      webhook_id: this.newId(),
      task_id: task.task_id,
      tenant_id: task.tenant_id,
      url: task.webhook.url,
      event,
      payload,
      status: 'pending',
      attempts: 0,
      next_attempt_at: timestamp,
      last_status_code: null,
      last_error: null,
      created_at: timestamp,
      delivered_at: null,
    };
    await this.store.insertWebhookDelivery(delivery);
    this.wake();
  }
}
