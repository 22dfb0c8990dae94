import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SecretStore, StoredSecret } from '../../src/secrets/secret-types.js';

export interface SecretStoreHarness {
  secrets: SecretStore;
  /** The same storage seen by another instance (Redis) or after a restart (SQLite); absent for memory. */
  reopen?: () => Promise<SecretStore>;
  cleanup(): Promise<void>;
}

export function makeSecret(overrides: Partial<StoredSecret> = {}): StoredSecret {
  return {
    tenant_id: 'alpha',
    name: 'github-token',
    ciphertext: 'v1:AAAA-sealed-one',
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** Secrets as SecretService relies on them, on every backend. */
export function secretStoreContract(name: string, open: () => Promise<SecretStoreHarness>): void {
  describe(`SecretStore contract: ${name}`, () => {
    let harness: SecretStoreHarness;
    let store: SecretStore;

    beforeEach(async () => {
      harness = await open();
      store = harness.secrets;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('creates a secret, then replaces its ciphertext keeping created_at; says which each time', async () => {
      const first = makeSecret();
      expect(await store.put(first)).toEqual({ created: true, secret: first });
      expect(await store.get('alpha', 'github-token')).toEqual(first);

      const later = makeSecret({ ciphertext: 'v1:BBBB-sealed-two', created_at: '2026-02-01T00:00:00.000Z', updated_at: '2026-02-01T00:00:00.000Z' });
      const replaced = await store.put(later);
      expect(replaced).toEqual({ created: false, secret: { ...later, created_at: first.created_at } });
      expect(await store.get('alpha', 'github-token')).toEqual({ ...later, created_at: first.created_at });
      expect(await store.get('alpha', 'missing')).toBeNull();
    });

    it("lists a tenant's secrets sorted by name in byte order, and only that tenant's", async () => {
      for (const n of ['b.two', 'a-one', 'B_upper', '0zero', 'a_one']) await store.put(makeSecret({ name: n }));
      await store.put(makeSecret({ tenant_id: 'beta', name: 'theirs' }));
      expect((await store.list('alpha')).map((s) => s.name)).toEqual(['0zero', 'B_upper', 'a-one', 'a_one', 'b.two']);
      expect(await store.list('beta')).toEqual([makeSecret({ tenant_id: 'beta', name: 'theirs' })]);
      expect(await store.list('gamma')).toEqual([]);
    });

    it('keeps tenants apart: the same name in two tenants is two secrets', async () => {
      await store.put(makeSecret({ ciphertext: 'v1:alpha-one' }));
      expect((await store.put(makeSecret({ tenant_id: 'beta', ciphertext: 'v1:beta-one' }))).created).toBe(true);
      expect((await store.get('alpha', 'github-token'))?.ciphertext).toBe('v1:alpha-one');
      expect((await store.get('beta', 'github-token'))?.ciphertext).toBe('v1:beta-one');
      expect(await store.delete('beta', 'github-token')).toBe(true);
      expect((await store.get('alpha', 'github-token'))?.ciphertext).toBe('v1:alpha-one');
    });

    it("lists every tenant's secrets at once (the rotation sweep)", async () => {
      expect(await store.listAll()).toEqual([]);
      const secrets = [
        makeSecret(),
        makeSecret({ name: 'second' }),
        makeSecret({ tenant_id: 'beta' }),
        makeSecret({ tenant_id: 'tenant.with-dots_1', name: 'x' }),
      ];
      for (const s of secrets) await store.put(s);
      const key = (s: StoredSecret) => `${s.tenant_id}/${s.name}`;
      expect((await store.listAll()).sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...secrets].sort((a, b) => key(a).localeCompare(key(b))));
      await store.delete('beta', 'github-token');
      expect((await store.listAll()).map(key).sort()).toEqual(['alpha/github-token', 'alpha/second', 'tenant.with-dots_1/x']);
    });

    it('deletes once; a deleted name can be created again', async () => {
      await store.put(makeSecret());
      expect(await store.delete('alpha', 'github-token')).toBe(true);
      expect(await store.delete('alpha', 'github-token')).toBe(false);
      expect(await store.get('alpha', 'github-token')).toBeNull();
      expect(await store.list('alpha')).toEqual([]);
      expect((await store.put(makeSecret({ created_at: '2026-03-01T00:00:00.000Z' }))).created).toBe(true);
      expect((await store.get('alpha', 'github-token'))?.created_at).toBe('2026-03-01T00:00:00.000Z');
    });

    it('reseals only the ciphertext it expects, leaving updated_at alone', async () => {
      const secret = makeSecret();
      await store.put(secret);
      expect(await store.reseal('alpha', 'github-token', 'v1:someone-else', 'v1:new')).toBe(false);
      expect(await store.reseal('alpha', 'github-token', secret.ciphertext, 'v1:resealed')).toBe(true);
      expect(await store.get('alpha', 'github-token')).toEqual({ ...secret, ciphertext: 'v1:resealed' });
      expect(await store.reseal('alpha', 'absent', secret.ciphertext, 'v1:x')).toBe(false);
      expect(await store.get('alpha', 'absent')).toBeNull();
    });

    it('takes names with dots, dashes and underscores, and long ciphertexts', async () => {
      const big = makeSecret({ name: 'A.b-c_D.0', ciphertext: `v1:${'Q'.repeat(90_000)}` });
      await store.put(big);
      expect(await store.get('alpha', 'A.b-c_D.0')).toEqual(big);
    });

    it('is what another instance (Redis) or a restart (SQLite) sees', async () => {
      if (!harness.reopen) return;
      await store.put(makeSecret());
      await store.put(makeSecret({ ciphertext: 'v1:replaced', updated_at: '2026-05-01T00:00:00.000Z' }));
      const other = await harness.reopen();
      expect(await other.get('alpha', 'github-token')).toEqual(makeSecret({ ciphertext: 'v1:replaced', updated_at: '2026-05-01T00:00:00.000Z' }));
      expect((await other.put(makeSecret({ ciphertext: 'v1:third' }))).created).toBe(false);
      expect(await other.delete('alpha', 'github-token')).toBe(true);
      expect(await other.list('alpha')).toEqual([]);
    });
  });
}
