import { DomainError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Tenant } from '../tenancy/tenant.js';
import type { SecretCipher } from './secret-cipher.js';
import { SECRET_NAME_PATTERN, type SecretMetadata, type SecretReader, type SecretStore, type StoredSecret } from './secret-types.js';

export interface SecretServiceDeps {
  store: SecretStore;
  /** Null without SECRETS_KEY: every call is refused with SECRETS_DISABLED. */
  cipher: SecretCipher | null;
  now: () => Date;
  logger: Logger;
}

/** Only the id is used: the routes pass the caller's tenant, tests a bare id. */
type TenantRef = Pick<Tenant, 'id'>;

const metadataOf = (secret: StoredSecret): SecretMetadata => ({ name: secret.name, created_at: secret.created_at, updated_at: secret.updated_at });

/**
 * A tenant's write-only values: the API stores, lists and deletes them but never shows one;
 * only the server itself reads them back (reveal), to inject where a task names one. Values
 * never reach a log line or an error message.
 */
export class SecretService implements SecretReader {
  readonly enabled: boolean;

  constructor(private readonly deps: SecretServiceDeps) {
    this.enabled = deps.cipher !== null;
  }

  /** Creates the secret or replaces its value; `created` tells which. */
  async set(tenant: TenantRef, name: string, value: string): Promise<{ created: boolean; secret: SecretMetadata }> {
    const cipher = this.cipherOrRefuse();
    const now = this.deps.now().toISOString();
    const ciphertext = cipher.seal(tenant.id, name, value);
    const { created, secret } = await this.deps.store.put({ tenant_id: tenant.id, name, ciphertext, created_at: now, updated_at: now });
    this.deps.logger.info(created ? 'Secret created' : 'Secret replaced', { tenant_id: tenant.id, secret_name: name });
    return { created, secret: metadataOf(secret) };
  }

  async list(tenant: TenantRef): Promise<SecretMetadata[]> {
    this.cipherOrRefuse();
    return (await this.deps.store.list(tenant.id)).map(metadataOf);
  }

  /** Another tenant's secret answers exactly like a missing one. */
  async get(tenant: TenantRef, name: string): Promise<SecretMetadata> {
    this.cipherOrRefuse();
    const secret = SECRET_NAME_PATTERN.test(name) ? await this.deps.store.get(tenant.id, name) : null;
    if (!secret) throw new DomainError('SECRET_NOT_FOUND', `No secret named "${name}"`);
    return metadataOf(secret);
  }

  async delete(tenant: TenantRef, name: string): Promise<void> {
    this.cipherOrRefuse();
    const deleted = SECRET_NAME_PATTERN.test(name) && (await this.deps.store.delete(tenant.id, name));
    if (!deleted) throw new DomainError('SECRET_NOT_FOUND', `No secret named "${name}"`);
    this.deps.logger.info('Secret deleted', { tenant_id: tenant.id, secret_name: name });
  }

  async reveal(tenantId: string, name: string): Promise<string | null> {
    const cipher = this.deps.cipher;
    if (cipher === null || !SECRET_NAME_PATTERN.test(name)) return null;
    const secret = await this.deps.store.get(tenantId, name);
    if (!secret) return null;
    const opened = cipher.open(tenantId, name, secret.ciphertext);
    if (opened === null) {
      // Sealed under a key this server no longer has (SECRETS_KEY changed without SECRETS_KEY_PREVIOUS), or altered.
      this.deps.logger.error('A secret cannot be decrypted with SECRETS_KEY or SECRETS_KEY_PREVIOUS', { tenant_id: tenantId, secret_name: name });
      return null;
    }
    if (opened.stale) await this.resealUnderCurrentKey(cipher, secret, opened.plaintext);
    return opened.plaintext;
  }

  async missing(tenantId: string, names: readonly string[]): Promise<string[]> {
    if (this.deps.cipher === null) return [...names];
    const present = new Set((await this.deps.store.list(tenantId)).map((s) => s.name));
    return names.filter((name) => !present.has(name));
  }

  /** Rotation finishes as values are used: one opened with an older key is sealed again with SECRETS_KEY. */
  private async resealUnderCurrentKey(cipher: SecretCipher, secret: StoredSecret, plaintext: string): Promise<void> {
    try {
      const fresh = cipher.seal(secret.tenant_id, secret.name, plaintext);
      if (await this.deps.store.reseal(secret.tenant_id, secret.name, secret.ciphertext, fresh)) {
        this.deps.logger.info('Secret re-encrypted with the current SECRETS_KEY', { tenant_id: secret.tenant_id, secret_name: secret.name });
      }
    } catch (error) {
      // The value was read; sealing it again can wait for the next read.
      this.deps.logger.warn('Re-encrypting a secret failed', { tenant_id: secret.tenant_id, secret_name: secret.name, error: (error as Error).message });
    }
  }

  /** Throws SECRETS_DISABLED without SECRETS_KEY. */
  assertEnabled(): void {
    this.cipherOrRefuse();
  }

  private cipherOrRefuse(): SecretCipher {
    if (this.deps.cipher === null) throw new DomainError('SECRETS_DISABLED', 'Secrets are disabled on this server: set SECRETS_KEY');
    return this.deps.cipher;
  }
}
