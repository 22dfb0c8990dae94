/**
 * What other modules may ask of the secret store: the egress proxy's MCP relay reveals a value
 * when it injects a header, and a submit checks that every named secret exists.
 */
export interface SecretReader {
  /** Whether SECRETS_KEY is set (false: every secret reference must be refused). */
  readonly enabled: boolean;
  /** The plaintext value, or null when the tenant has no such secret. */
  reveal(tenantId: string, name: string): Promise<string | null>;
  /** Of `names`, those the tenant has no secret for (in the given order). */
  missing(tenantId: string, names: readonly string[]): Promise<string[]>;
}

/** What the API shows of a secret: never its value. */
export interface SecretMetadata {
  name: string;
  created_at: string;
  updated_at: string;
}

/** A secret as a store holds it: the value only ever as ciphertext (secret-cipher.ts). */
export interface StoredSecret extends SecretMetadata {
  tenant_id: string;
  ciphertext: string;
}

/**
 * Where secrets live: one per backend (memory, SQLite, Redis), held to
 * test/contract/secret-store.contract.ts. It never sees a plaintext value.
 */
export interface SecretStore {
  /**
   * Creates the secret, or replaces the ciphertext of the one with that name (keeping its
   * created_at). `created` tells which, decided atomically.
   */
  put(secret: StoredSecret): Promise<{ created: boolean; secret: StoredSecret }>;
  get(tenantId: string, name: string): Promise<StoredSecret | null>;
  /** A tenant's secrets, sorted by name (byte order). */
  list(tenantId: string): Promise<StoredSecret[]>;
  /** Every tenant's secrets (the key-rotation sweep), in no set order. */
  listAll(): Promise<StoredSecret[]>;
  /** False when there was no such secret. */
  delete(tenantId: string, name: string): Promise<boolean>;
  /**
   * Swaps the ciphertext for one sealed under a newer key, only if it is still `expected` (a
   * value set meanwhile wins); updated_at stays, as the value did not change. False otherwise.
   */
  reseal(tenantId: string, name: string, expected: string, ciphertext: string): Promise<boolean>;
}

/** Names a secret may have: they appear in URLs, logs and header references. */
export const SECRET_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** The largest value, in UTF-8 bytes. */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
