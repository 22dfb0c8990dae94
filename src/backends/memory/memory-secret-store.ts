import type { SecretStore, StoredSecret } from '../../secrets/secret-types.js';

const byName = (a: StoredSecret, b: StoredSecret): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Secrets in this process: one instance, gone at exit. */
export class MemorySecretStore implements SecretStore {
  /** tenant id -> name -> secret */
  private readonly tenants = new Map<string, Map<string, StoredSecret>>();

  async put(secret: StoredSecret): Promise<{ created: boolean; secret: StoredSecret }> {
    let secrets = this.tenants.get(secret.tenant_id);
    if (!secrets) this.tenants.set(secret.tenant_id, (secrets = new Map()));
    const existing = secrets.get(secret.name);
    const stored = existing ? { ...secret, created_at: existing.created_at } : { ...secret };
    secrets.set(secret.name, stored);
    return { created: existing === undefined, secret: { ...stored } };
  }

  async get(tenantId: string, name: string): Promise<StoredSecret | null> {
    const secret = this.tenants.get(tenantId)?.get(name);
    return secret ? { ...secret } : null;
  }

  async list(tenantId: string): Promise<StoredSecret[]> {
    return [...(this.tenants.get(tenantId)?.values() ?? [])].sort(byName).map((s) => ({ ...s }));
  }

  async listAll(): Promise<StoredSecret[]> {
    return [...this.tenants.values()].flatMap((secrets) => [...secrets.values()].map((s) => ({ ...s })));
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    return this.tenants.get(tenantId)?.delete(name) ?? false;
  }

  async reseal(tenantId: string, name: string, expected: string, ciphertext: string): Promise<boolean> {
    const secret = this.tenants.get(tenantId)?.get(name);
    if (!secret || secret.ciphertext !== expected) return false;
    secret.ciphertext = ciphertext;
    return true;
  }
}
