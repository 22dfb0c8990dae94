import { DomainError } from '../errors.js';
import type { SecretReader } from '../secrets/secret-types.js';
import type { Tenant } from '../tenancy/tenant.js';
import { resolveWebhookHost, WebhookAddressError } from '../webhooks/webhook-address.js';
import { effectiveMcpServers, secretNames } from './mcp-servers.js';
import { isRemote, type McpServers } from './mcp-types.js';

/**
 * What a task's MCP servers must pass before the task is queued, so that the client hears of a
 * missing secret or a refused address now, with a code, rather than as tools the agent lacks.
 * The relay checks every connection again (a name may resolve elsewhere later).
 */
export class McpSubmitChecks {
  constructor(private readonly settings: { secrets: SecretReader | null; allowPrivate: boolean }) {}

  async check(tenant: Tenant, servers: McpServers | undefined): Promise<void> {
    const names = secretNames(effectiveMcpServers(tenant.mcpServers, servers));
    if (names.length > 0) await this.checkSecrets(tenant, names);
    for (const [name, server] of Object.entries(servers ?? {})) {
      if (!isRemote(server)) continue;
      try {
        await resolveWebhookHost(new URL(server.url), this.settings.allowPrivate, { subject: `MCP server "${name}" host`, setting: 'MCP_ALLOW_PRIVATE' });
      } catch (error) {
        if (error instanceof WebhookAddressError) throw new DomainError('MCP_SERVER_REFUSED', error.message, { server: name });
        throw error;
      }
    }
  }

  private async checkSecrets(tenant: Tenant, names: string[]): Promise<void> {
    const secrets = this.settings.secrets;
    if (!secrets?.enabled) {
      throw new DomainError('SECRET_REFERENCE_INVALID', 'MCP server headers name secrets, and this server keeps none: set SECRETS_KEY', { secrets: names });
    }
    const missing = await secrets.missing(tenant.id, names);
    if (missing.length > 0) {
      const list = missing.map((name) => `"${name}"`).join(', ');
      throw new DomainError('SECRET_REFERENCE_INVALID', `MCP server headers name ${list}, which the tenant has no secret for (POST /api/v1/secrets)`, {
        secrets: missing,
      });
    }
  }
}
