import type { EnvReader } from '../lib/env-reader.js';

/** Shorter keys are refused at start-up: a key is the only thing between a stolen store and every value. */
export const MIN_SECRETS_KEY_CHARS = 32;

export interface SecretsConfig {
  /** SECRETS_KEY; undefined: the secrets API answers 503 SECRETS_DISABLED. */
  readonly key: string | undefined;
  /** SECRETS_KEY_PREVIOUS (comma-separated): older keys that still open values sealed before a rotation. */
  readonly previousKeys: readonly string[];
}

export function readSecretsConfig(r: EnvReader): SecretsConfig {
  const key = r.raw('SECRETS_KEY');
  const previousKeys = (r.raw('SECRETS_KEY_PREVIOUS') ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  if (key !== undefined && key.length < MIN_SECRETS_KEY_CHARS) r.problems.push(`SECRETS_KEY must be at least ${MIN_SECRETS_KEY_CHARS} characters`);
  if (previousKeys.some((k) => k.length < MIN_SECRETS_KEY_CHARS)) {
    r.problems.push(`every key in SECRETS_KEY_PREVIOUS must be at least ${MIN_SECRETS_KEY_CHARS} characters`);
  }
  if (key === undefined && previousKeys.length > 0) r.problems.push('SECRETS_KEY_PREVIOUS is set but SECRETS_KEY is not');
  return { key, previousKeys };
}
