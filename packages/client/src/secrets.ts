/** `POST /api/v1/secrets`: creates the secret, or replaces the value of the one with that name. */
export interface SetSecretRequest {
  /** 1-128 characters `[A-Za-z0-9_.-]`, starting with a letter or digit. */
  name: string;
  /** Write-only: no answer ever shows it. At most 64 KiB of UTF-8. */
  value: string;
}

/** A secret's metadata; the value is never in an answer. */
export interface Secret {
  name: string;
  created_at: string;
  /** When the value was last set. */
  updated_at: string;
}

export interface SecretList {
  /** Sorted by name. */
  secrets: Secret[];
}
