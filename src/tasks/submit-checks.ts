import { DomainError } from '../errors.js';
import { firstUncovered, parseHostPatterns, type HostPattern } from '../egress/host-patterns.js';
import type { McpSubmitChecks } from '../mcp/mcp-submit-checks.js';
import type { McpServers } from '../mcp/mcp-types.js';
import type { Store } from '../storage/store.js';
import type { Tenant } from '../tenancy/tenant.js';
import { checkWebhookUrl, resolveWebhookHost, WebhookAddressError } from '../webhooks/webhook-address.js';
import { webhookTarget, type WebhookRequest } from '../webhooks/webhook-request.js';
import type { WebhookTarget } from '../webhooks/webhook-types.js';

/** What a submission must pass beyond its shape: a usable webhook and the tenant's monthly budget. */
export class SubmitChecks {
  constructor(
    private readonly store: Store,
    private readonly settings: {
      webhookSecret: string | undefined;
      allowPrivateWebhooks: boolean;
      defaultEgressAllow?: readonly HostPattern[];
      mcp?: McpSubmitChecks;
    },
    private readonly now: () => Date,
  ) {}

  /** The task's webhook (its own, else its tenant's default), checked the way a delivery will be. */
  async webhookFor(tenant: Tenant, request: WebhookRequest | undefined): Promise<WebhookTarget | null> {
    const target = request ? webhookTarget(request) : tenant.defaultWebhook;
    if (target === null) return null;
    if ((tenant.webhookSecret ?? this.settings.webhookSecret) === undefined) {
      throw new DomainError('WEBHOOK_SECRET_MISSING', "Webhooks are signed, and no secret is configured: set WEBHOOK_SECRET (or the tenant's webhook_secret)");
    }
    try {
      await resolveWebhookHost(checkWebhookUrl(target.url), this.settings.allowPrivateWebhooks);
    } catch (error) {
      if (error instanceof WebhookAddressError) throw new DomainError('WEBHOOK_URL_REFUSED', error.message);
      throw error;
    }
    return target;
  }

  /** A task's options.network.allow may only narrow its tenant's egress allowlist. */
  checkNetworkAllow(tenant: Tenant, allow: readonly string[] | undefined): void {
    if (allow === undefined) return;
    const uncovered = firstUncovered(tenant.egressAllow ?? this.settings.defaultEgressAllow ?? [], parseHostPatterns(allow).patterns);
    if (uncovered !== null) {
      throw new DomainError(
        'NETWORK_ALLOW_OUTSIDE_TENANT',
        `options.network.allow entry "${uncovered.text}" is not covered by the tenant's egress allowlist; a task may only narrow it`,
        { entry: uncovered.text },
      );
    }
  }

  /** A task's MCP servers: the secrets their headers name exist, their addresses may be reached. */
  async checkMcpServers(tenant: Tenant, servers: McpServers | undefined): Promise<void> {
    await this.settings.mcp?.check(tenant, servers);
  }

  /** Refuses a submission once the tenant's tasks created this calendar month (UTC) have spent its budget. */
  async checkBudget(tenant: Tenant): Promise<void> {
    if (tenant.monthlyBudgetUsd === null) return;
    const now = this.now();
    const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
    const spent = await this.store.tenantSpendSince(tenant.id, monthStart);
    if (spent >= tenant.monthlyBudgetUsd) {
      throw new DomainError(
        'TENANT_BUDGET_EXCEEDED',
        `This month's budget of $${tenant.monthlyBudgetUsd} is spent ($${spent.toFixed(4)} so far); it renews on the 1st (UTC)`,
        { spent_usd: spent, budget_usd: tenant.monthlyBudgetUsd },
      );
    }
  }
}
