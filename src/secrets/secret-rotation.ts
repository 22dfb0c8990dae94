import type { Logger } from '../observability/logger.js';
import type { SecretCipher } from './secret-cipher.js';
import type { SecretStore } from './secret-types.js';

export interface RotationOutcome {
  /** Opened with a SECRETS_KEY_PREVIOUS key and sealed again under SECRETS_KEY. */
  reencrypted: number;
  /** Opened with no configured key: lost until a key that opens them is configured, or set again. */
  unreadable: number;
}

/**
 * Finishes a key rotation: every secret still sealed under a previous key is sealed again under
 * SECRETS_KEY. Instances may sweep at the same time: a reseal only replaces the ciphertext it
 * read, so a value set meanwhile is never overwritten.
 */
export async function resealAll(store: SecretStore, cipher: SecretCipher, logger: Logger): Promise<RotationOutcome> {
  const outcome: RotationOutcome = { reencrypted: 0, unreadable: 0 };
  for (const secret of await store.listAll()) {
    const opened = cipher.open(secret.tenant_id, secret.name, secret.ciphertext);
    if (opened === null) {
      outcome.unreadable += 1;
      logger.warn('A secret cannot be decrypted with SECRETS_KEY or SECRETS_KEY_PREVIOUS', { tenant_id: secret.tenant_id, secret_name: secret.name });
      continue;
    }
    if (!opened.stale) continue;
    const fresh = cipher.seal(secret.tenant_id, secret.name, opened.plaintext);
    if (await store.reseal(secret.tenant_id, secret.name, secret.ciphertext, fresh)) outcome.reencrypted += 1;
  }
  return outcome;
}
