import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';
import type { WebhookDelivery } from './webhook-types.js';
import { sendWebhook, type SendOutcome } from './webhook-sender.js';

export interface WebhookSettings {
  /** Secret of a tenant's webhooks (its own, else WEBHOOK_SECRET); undefined: none configured. */
  secretFor(tenantId: string): string | undefined;
  allowPrivate: boolean;
  /** The first retry comes after 50–100% of this; each next one waits three times longer (up to an hour). */
  retryBaseMs: number;
  /** Past this age a delivery is given up (24 h by default). */
  maxAgeMs: number;
  timeoutMs: number;
}

export type DeliveryResult = 'delivered' | 'retry' | 'failed';

const CLAIM_BATCH = 20;
const POLL_MS = 1000;
const MAX_RETRY_DELAY_MS = 3_600_000;

/**
 * Sends what the outbox holds, at least once: due deliveries are claimed (their next attempt
 * pushed past the attempt's own timeout, so another tick or instance does not take them too),
 * sent, and settled or rescheduled with exponential backoff and jitter.
 */
export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly settings: WebhookSettings,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly onResult: (result: DeliveryResult) => void = () => undefined,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.wake(), POLL_MS);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Looks for due deliveries now (after an enqueue), instead of at the next poll. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((error: unknown) => this.logger.error('Webhook dispatch failed', { error }))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** When the attempt after `attempts` failed ones is due, or null when the delivery should be given up. */
  nextAttemptAt(delivery: Pick<WebhookDelivery, 'created_at'>, attempts: number): Date | null {
    const base = Math.min(this.settings.retryBaseMs * 3 ** (attempts - 1), MAX_RETRY_DELAY_MS);
    const at = new Date(this.now().getTime() + base * (0.5 + this.random() / 2));
    return at.getTime() - Date.parse(delivery.created_at) > this.settings.maxAgeMs ? null : at;
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      const now = this.now();
      const lease = new Date(now.getTime() + this.settings.timeoutMs * 2 + 5000);
      const due = await this.store.claimDueWebhookDeliveries(now.toISOString(), lease.toISOString(), CLAIM_BATCH);
      if (due.length === 0) return;
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
    }
  }

  /**
   * A push-notification config's token and authentication, as A2A receivers check them. Read from
   * the task at each attempt rather than stored with the delivery, so no credential is copied.
   */
  private async pushHeaders(delivery: WebhookDelivery): Promise<Record<string, string>> {
    const push = (await this.store.getTask(delivery.task_id))?.webhook?.push_config;
    if (!push) return {};
    const headers: Record<string, string> = {};
    if (push.token) headers['x-a2a-notification-token'] = push.token;
    if (push.authentication) headers.authorization = `${push.authentication.scheme} ${push.authentication.credentials}`;
    return headers;
  }

  private async attempt(delivery: WebhookDelivery): Promise<void> {
    const secret = this.settings.secretFor(delivery.tenant_id);
    const outcome: SendOutcome =
      secret === undefined
        ? { ok: false, statusCode: null, error: 'no webhook secret is configured for this tenant', retryable: false }
        : await sendWebhook({
            url: delivery.url,
            webhookId: delivery.webhook_id,
            payload: delivery.payload,
            secret,
            allowPrivate: this.settings.allowPrivate,
            timeoutMs: this.settings.timeoutMs,
            nowSeconds: Math.floor(this.now().getTime() / 1000),
            extraHeaders: await this.pushHeaders(delivery),
          });
    const attempts = delivery.attempts + 1;
    const context = { webhook_id: delivery.webhook_id, task_id: delivery.task_id, event: delivery.event, attempts };
    if (outcome.ok) {
      await this.store.updateWebhookDelivery(delivery.webhook_id, {
        status: 'delivered',
        attempts,
        next_attempt_at: null,
        last_status_code: outcome.statusCode,
        last_error: null,
        delivered_at: this.now().toISOString(),
      });
      this.logger.info('Webhook delivered', { ...context, status_code: outcome.statusCode });
      this.onResult('delivered');
      return;
    }
    const next = outcome.retryable ? this.nextAttemptAt(delivery, attempts) : null;
    await this.store.updateWebhookDelivery(delivery.webhook_id, {
      status: next === null ? 'failed' : 'pending',
      attempts,
      next_attempt_at: next?.toISOString() ?? null,
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
    });
    if (next === null) this.logger.warn('Webhook delivery given up', { ...context, error: outcome.error });
    else this.logger.info('Webhook attempt failed; will retry', { ...context, error: outcome.error, next_attempt_at: next.toISOString() });
    this.onResult(next === null ? 'failed' : 'retry');
  }
}
