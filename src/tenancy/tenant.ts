import type { HostPattern } from '../egress/host-patterns.js';
import type { LimitOverrides } from '../agent/isolation/limits/resource-limits.js';
import type { McpServers } from '../mcp/mcp-types.js';
import type { WebhookTarget } from '../webhooks/webhook-types.js';

export const DEFAULT_TENANT_ID = 'default';

/** Who is calling: a tenant from API_KEYS_FILE, or the default tenant (API_API_KEY or no auth). */
export interface Tenant {
  id: string;
  /** SHA-256 digests of the tenant's keys; the keys themselves are never stored. */
  keyHashes: readonly Buffer[];
  /** At most this many of the tenant's tasks run at once (null: only the global limit). */
  maxConcurrent: number | null;
  /** Directory under WORKSPACE_ROOT holding the tenant's workspaces ('' for the root itself). */
  workspaceDir: string;
  /** Where its tasks' notifications go when a task names no webhook of its own. */
  defaultWebhook: WebhookTarget | null;
  /** Signs its webhooks; WEBHOOK_SECRET when unset. */
  webhookSecret: string | null;
  /** Submits are refused (402) once its tasks created this calendar month (UTC) cost this much. */
  monthlyBudgetUsd: number | null;
  /** Its keys file `egress_allow`: where its agents may connect, instead of AGENT_EGRESS_ALLOW (absent or null: that default). */
  egressAllow?: readonly HostPattern[] | null;
  /** Its agent sandboxes' own limits, over the AGENT_* defaults (API_KEYS_FILE `limits`). */
  limits?: LimitOverrides;
  /** Its keys file `mcp_servers`: every task of the tenant gets them, under the task's own of the same name. */
  mcpServers?: McpServers | null | undefined;
}

/**
 * Ids are namespaced per tenant inside the server, so that two tenants can both use
 * `task-1` and neither can reach (or even detect) the other's. Clients never see the prefix.
 */
const SEPARATOR = '~';

export function internalId(tenantId: string, externalId: string): string {
  return tenantId === DEFAULT_TENANT_ID ? externalId : `${tenantId}${SEPARATOR}${externalId}`;
}

export function externalId(id: string): string {
  const at = id.indexOf(SEPARATOR);
  return at === -1 ? id : id.slice(at + 1);
}
