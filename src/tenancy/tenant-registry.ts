import { createHash, timingSafeEqual } from 'node:crypto';
import { DEFAULT_TENANT_ID, type Tenant } from './tenant.js';

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** The tenants this server knows, and which one a presented key belongs to. */
export class TenantRegistry {
  private readonly byId = new Map<string, Tenant>();
  readonly multiTenant: boolean;

  constructor(tenants: readonly Tenant[], singleKey: string | undefined, defaults: Pick<Tenant, 'monthlyBudgetUsd'> = { monthlyBudgetUsd: null }) {
    this.multiTenant = tenants.length > 0;
    // With tenants, the API_API_KEY caller is one more tenant with a subtree of its own.
    const defaultTenant: Tenant = {
      id: DEFAULT_TENANT_ID,
      keyHashes: singleKey === undefined ? [] : [sha256(singleKey)],
      maxConcurrent: null,
      workspaceDir: this.multiTenant ? DEFAULT_TENANT_ID : '',
      defaultWebhook: null,
      webhookSecret: null,
      monthlyBudgetUsd: defaults.monthlyBudgetUsd,
    };
    for (const tenant of [defaultTenant, ...tenants]) this.byId.set(tenant.id, tenant);
  }

  get defaultTenant(): Tenant {
    return this.byId.get(DEFAULT_TENANT_ID)!;
  }

  get(id: string): Tenant | undefined {
    return this.byId.get(id);
  }

  all(): Tenant[] {
    return [...this.byId.values()];
  }

  /**
   * The tenant a key belongs to, or null. Every stored digest is compared, in constant time
   * and without stopping at a match, so timing says nothing about which keys exist or their
   * length (digests always have the same length).
   */
  identify(key: string): Tenant | null {
    const presented = sha256(key);
    let found: Tenant | null = null;
    for (const tenant of this.byId.values()) {
      for (const hash of tenant.keyHashes) {
        if (timingSafeEqual(presented, hash) && found === null) found = tenant;
      }
    }
    return found;
  }
}
