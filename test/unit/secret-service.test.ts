import { describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../src/backends/memory/memory-secret-store.js';
import { createLogger } from '../../src/observability/logger.js';
import { SecretCipher } from '../../src/secrets/secret-cipher.js';
import { SecretService } from '../../src/secrets/secret-service.js';

const OLD_KEY = 'old-secrets-key-0123456789abcdefghijkl';
const NEW_KEY = 'new-secrets-key-0123456789abcdefghijkl';
const logger = createLogger({ level: 'ERROR', sink: () => undefined });
const at = '2026-01-01T00:00:00.000Z';

describe('SecretService.reveal during a rolling rotation', () => {
  it('re-encrypts a value still sealed under a previous key when it is read', async () => {
    const store = new MemorySecretStore();
    const sealedOld = new SecretCipher(OLD_KEY).seal('alpha', 'late', 'late-value');
    // Written by an instance still on the old key, after this one swept.
    await store.put({ tenant_id: 'alpha', name: 'late', ciphertext: sealedOld, created_at: at, updated_at: at });
    const service = new SecretService({ store, cipher: new SecretCipher(NEW_KEY, [OLD_KEY]), now: () => new Date(), logger });

    expect(await service.reveal('alpha', 'late')).toBe('late-value');
    const stored = await store.get('alpha', 'late');
    expect(stored?.ciphertext).not.toBe(sealedOld);
    expect(stored?.updated_at).toBe(at);
    expect(new SecretCipher(NEW_KEY).open('alpha', 'late', stored!.ciphertext)).toEqual({ plaintext: 'late-value', stale: false });
  });

  it('reveals nothing for a name that is not valid, another tenant, or a value no key opens', async () => {
    const store = new MemorySecretStore();
    const service = new SecretService({ store, cipher: new SecretCipher(NEW_KEY), now: () => new Date(), logger });
    await service.set({ id: 'alpha' }, 'token', 'alpha-value');
    await store.put({
      tenant_id: 'alpha',
      name: 'foreign',
      ciphertext: new SecretCipher(OLD_KEY).seal('alpha', 'foreign', 'x'),
      created_at: at,
      updated_at: at,
    });
    expect(await service.reveal('alpha', 'token')).toBe('alpha-value');
    expect(await service.reveal('beta', 'token')).toBeNull();
    expect(await service.reveal('alpha', '../token')).toBeNull();
    expect(await service.reveal('alpha', 'foreign')).toBeNull();
    expect(await service.missing('alpha', ['foreign', 'token', 'nope'])).toEqual(['nope']);
  });
});
