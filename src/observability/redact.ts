const MIN_SECRET_LENGTH = 6;

/**
 * Replaces known secret values in text that may leave the process (error messages, stderr
 * excerpts). Short values are skipped: redacting "1" or "true" would mangle everything.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) => values.reduce((acc, secret) => acc.split(secret).join('[REDACTED]'), text);
}
