import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { SecretCipher } from '../../src/secrets/secret-cipher.js';

const KEY = 'k'.repeat(16) + 'current-key-0123456789';
const OLD = 'o'.repeat(16) + 'previous-key-0123456789';
const OTHER = 'x'.repeat(16) + 'unrelated-key-0123456789';

describe('SecretCipher', () => {
  const cipher = new SecretCipher(KEY);

  it('round-trips any UTF-8 value, with a version prefix and a fresh IV each time', () => {
    for (const value of ['x', 'Bearer sk-live-1234', 'ünïcødé ✓ 🔑', 'a\nb\0c', 'v'.repeat(64 * 1024)]) {
      const sealed = cipher.seal('alpha', 'token', value);
      expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]+$/);
      if (value.length >= 8) expect(sealed).not.toContain(value);
      expect(cipher.open('alpha', 'token', sealed)).toEqual({ plaintext: value, stale: false });
    }
    expect(cipher.seal('alpha', 'token', 'same')).not.toBe(cipher.seal('alpha', 'token', 'same'));
  });

  it('refuses a value sealed under another key', () => {
    const sealed = new SecretCipher(OTHER).seal('alpha', 'token', 'hunter2-value');
    expect(cipher.open('alpha', 'token', sealed)).toBeNull();
  });

  it('refuses a ciphertext moved to another tenant or another name (both are bound as AAD)', () => {
    const sealed = cipher.seal('alpha', 'token', 'hunter2-value');
    expect(cipher.open('beta', 'token', sealed)).toBeNull();
    expect(cipher.open('alpha', 'other', sealed)).toBeNull();
    // No splice of the two fields makes the same additional data.
    expect(cipher.open('alph', 'atoken', sealed)).toBeNull();
  });

  it('refuses a tampered, truncated or unversioned ciphertext', () => {
    const sealed = cipher.seal('alpha', 'token', 'hunter2-value');
    const body = Buffer.from(sealed.slice(3), 'base64url');
    body[body.length - 20]! ^= 1;
    expect(cipher.open('alpha', 'token', `v1:${body.toString('base64url')}`)).toBeNull();
    expect(cipher.open('alpha', 'token', sealed.slice(0, 20))).toBeNull();
    expect(cipher.open('alpha', 'token', `v2:${sealed.slice(3)}`)).toBeNull();
    expect(cipher.open('alpha', 'token', sealed.slice(3))).toBeNull();
  });

  it('falls back to SECRETS_KEY_PREVIOUS, marking the value stale; seals only with the current key', () => {
    const sealedOld = new SecretCipher(OLD).seal('alpha', 'token', 'from-before-rotation');
    const rotated = new SecretCipher(KEY, [OTHER, OLD]);
    expect(rotated.open('alpha', 'token', sealedOld)).toEqual({ plaintext: 'from-before-rotation', stale: true });
    const resealed = rotated.seal('alpha', 'token', 'from-before-rotation');
    expect(new SecretCipher(KEY).open('alpha', 'token', resealed)).toEqual({ plaintext: 'from-before-rotation', stale: false });
    expect(new SecretCipher(OLD).open('alpha', 'token', resealed)).toBeNull();
    // Without the previous key the old value is lost, not guessed.
    expect(new SecretCipher(KEY).open('alpha', 'token', sealedOld)).toBeNull();
  });
});

describe('SECRETS_KEY configuration', () => {
  const base = { CLAUDE_API_KEY: 'test-key-0123456789' };
  const problems = (env: Record<string, string>): string[] => {
    try {
      loadConfig({ ...base, ...env }, '/tmp');
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return [...error.problems];
      throw error;
    }
  };

  it('is optional, and read with its previous keys', () => {
    expect(loadConfig(base, '/tmp').secrets).toEqual({ key: undefined, previousKeys: [] });
    expect(loadConfig({ ...base, SECRETS_KEY: KEY, SECRETS_KEY_PREVIOUS: ` ${OLD} , ${OTHER}` }, '/tmp').secrets).toEqual({
      key: KEY,
      previousKeys: [OLD, OTHER],
    });
  });

  it('refuses a short key, a short previous key, and previous keys without a current one', () => {
    expect(problems({ SECRETS_KEY: 'short-key' })).toEqual(['SECRETS_KEY must be at least 32 characters']);
    expect(problems({ SECRETS_KEY: KEY, SECRETS_KEY_PREVIOUS: `${OLD},short` })).toEqual(['every key in SECRETS_KEY_PREVIOUS must be at least 32 characters']);
    expect(problems({ SECRETS_KEY_PREVIOUS: OLD })).toEqual(['SECRETS_KEY_PREVIOUS is set but SECRETS_KEY is not']);
  });
});
