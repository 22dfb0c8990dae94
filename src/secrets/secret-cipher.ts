import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** The stored form's version: `v1:` then base64url(iv ‖ ciphertext ‖ tag). */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = 'claude-code-server/secrets';
const HKDF_INFO = 'aes-256-gcm v1';

/** The AES key for one configured key string; the string itself is never used as a key. */
function deriveKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), HKDF_SALT, HKDF_INFO, 32));
}

/** Binds a ciphertext to its tenant and name, so it cannot be moved to another of either. */
function additionalData(tenantId: string, name: string): Buffer {
  return Buffer.from(JSON.stringify([VERSION, tenantId, name]), 'utf8');
}

export interface OpenedSecret {
  plaintext: string;
  /** Opened with SECRETS_KEY_PREVIOUS, not the current key: it should be sealed again. */
  stale: boolean;
}

/**
 * AES-256-GCM with a key derived by HKDF-SHA256 from SECRETS_KEY, a random 12-byte IV per
 * value, and the tenant id and name as additional data. Older keys (SECRETS_KEY_PREVIOUS) only
 * open; sealing always uses the current one.
 */
export class SecretCipher {
  private readonly current: Buffer;
  private readonly previous: Buffer[];

  constructor(key: string, previousKeys: readonly string[] = []) {
    this.current = deriveKey(key);
    this.previous = previousKeys.map(deriveKey);
  }

  seal(tenantId: string, name: string, plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    cipher.setAAD(additionalData(tenantId, name));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The plaintext, or null when no configured key opens it for this tenant and name. */
  open(tenantId: string, name: string, stored: string): OpenedSecret | null {
    const prefix = `${VERSION}:`;
    if (!stored.startsWith(prefix)) return null;
    const raw = Buffer.from(stored.slice(prefix.length), 'base64url');
    if (raw.length < IV_BYTES + TAG_BYTES) return null;
    const aad = additionalData(tenantId, name);
    const keys = [this.current, ...this.previous];
    for (const [index, key] of keys.entries()) {
      const plaintext = decrypt(key, raw, aad);
      if (plaintext !== null) return { plaintext, stale: index > 0 };
    }
    return null;
  }
}

function decrypt(key: Buffer, raw: Buffer, aad: Buffer): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(aad);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
