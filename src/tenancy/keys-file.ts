import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseHostPatterns } from '../egress/host-patterns.js';
import { mcpServersSchema } from '../mcp/mcp-schemas.js';
import { webhookRequestSchema, webhookTarget } from '../webhooks/webhook-request.js';
import { limitsSchema, tenantLimits } from './tenant-limits.js';
import { DEFAULT_TENANT_ID, type Tenant } from './tenant.js';

const tenantSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'id must be 1-63 lowercase letters, digits, "_" or "-"')
    .refine((id) => id !== DEFAULT_TENANT_ID, `"${DEFAULT_TENANT_ID}" is reserved for API_API_KEY`),
  key_sha256: z.array(z.string().regex(/^[0-9a-f]{64}$/i, 'each key_sha256 must be 64 hex characters (sha256sum of the key)')).min(1),
  max_concurrent: z.number().int().min(1).optional(),
  workspace_dir: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'workspace_dir must be one directory name')
    .optional(),
  webhook: webhookRequestSchema.optional(),
  webhook_secret: z.string().min(16, 'webhook_secret must be at least 16 characters').optional(),
  monthly_budget_usd: z.number().positive().optional(),
  /** Replaces AGENT_EGRESS_ALLOW for this tenant's agents ([] = nothing but the model). */
  egress_allow: z.array(z.string().min(1).max(300)).max(500).optional(),
  limits: limitsSchema.optional(),
  /** MCP servers every task of the tenant gets (a task's own of the same name replaces one). */
  mcp_servers: mcpServersSchema.optional(),
});

const fileSchema = z.strictObject({ tenants: z.array(tenantSchema).min(1) });

/**
 * Reads API_KEYS_FILE (JSON or YAML): tenants and the SHA-256 digests of their keys. Every
 * problem is returned at once, like the rest of the configuration.
 */
export function loadKeysFile(file: string): { tenants: Tenant[]; problems: string[] } {
  let raw: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return { tenants: [], problems: [`API_KEYS_FILE ${file} cannot be read: ${(error as Error).message}`] };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    return { tenants: [], problems: parsed.error.issues.map((i) => `API_KEYS_FILE ${i.path.join('.') || '(file)'}: ${i.message}`) };
  }
  const problems: string[] = [];
  const seenIds = new Set<string>();
  const seenHashes = new Set<string>();
  const tenants = parsed.data.tenants.map((t) => {
    if (seenIds.has(t.id)) problems.push(`API_KEYS_FILE: tenant "${t.id}" appears twice`);
    seenIds.add(t.id);
    const egress = t.egress_allow === undefined ? null : parseHostPatterns(t.egress_allow);
    problems.push(...(egress?.problems ?? []).map((p) => `API_KEYS_FILE: tenant "${t.id}" egress_allow: ${p}`));
    for (const hash of t.key_sha256) {
      if (seenHashes.has(hash.toLowerCase())) problems.push(`API_KEYS_FILE: a key of tenant "${t.id}" belongs to another tenant too`);
      seenHashes.add(hash.toLowerCase());
    }
    return {
      id: t.id,
      keyHashes: t.key_sha256.map((h) => Buffer.from(h, 'hex')),
      maxConcurrent: t.max_concurrent ?? null,
      workspaceDir: t.workspace_dir ?? t.id,
      defaultWebhook: t.webhook ? webhookTarget(t.webhook) : null,
      webhookSecret: t.webhook_secret ?? null,
      monthlyBudgetUsd: t.monthly_budget_usd ?? null,
      egressAllow: egress?.patterns ?? null,
      limits: tenantLimits(t.id, t.limits, problems),
      mcpServers: t.mcp_servers ?? null,
    };
  });
  return { tenants, problems };
}
