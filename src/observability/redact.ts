const MIN_SECRET_LENGTH = 8;
const SECRET_NAME = /KEY|SECRET|TOKEN|PASSW|PASSPHRASE|CREDENTIAL|PRIVATE|AUTH/i;

export type Redactor = (text: string) => string;

/**
 * Replaces known secret values in text that may leave the process. Short values are skipped:
 * redacting "1" or "true" would mangle everything and protect nothing.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => values.reduce((acc, secret) => (acc.includes(secret) ? acc.split(secret).join('[REDACTED]') : acc), text);
}

/** Values of the server's environment variables whose names say they are secrets. */
export function secretsInEnvironment(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined)
    .map(([, value]) => value!.trim());
}

/**
 * The redactor for everything that leaves the process (logs, events, error messages): the
 * configured keys plus every secret-looking value in the server's environment. An agent can
 * read the server's start-up environment (/proc/<pid>/environ), so its output is redacted too.
 */
export function serverRedactor(keys: readonly (string | undefined)[], env: Readonly<Record<string, string | undefined>>): Redactor {
  return createRedactor([...keys, ...secretsInEnvironment(env)]);
}

/** Applies a redactor to every string inside a JSON-like value. */
export function redactDeep<T>(value: T, redact: Redactor): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, redact)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, redact)])) as T;
  }
  return value;
}
