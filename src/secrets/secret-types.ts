export interface SecretReader {
  /** Whether SECRETS_KEY is set (false: every secret reference must be refused). */
  readonly enabled: boolean;
  /** The plaintext value, or null when the tenant has no such secret. */
  reveal(tenantId: string, name: string): Promise<string | null>;
  /** Of `names`, those the tenant has no secret for (in the given order). */
  missing(tenantId: string, names: readonly string[]): Promise<string[]>;
}
