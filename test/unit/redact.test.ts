import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { redactDeep, secretsInEnvironment, serverRedactor } from '../../src/observability/redact.js';

const CANARY = 'canary-7d1e2f-not-for-logs';

describe('redaction', () => {
  it('finds secret-looking variables in the environment, ignoring short values', () => {
    expect(secretsInEnvironment({ DB_PASSWORD: CANARY, GITHUB_TOKEN: 'ghp_abcdefgh', HOME: '/root', API_KEY: '1' }).sort()).toEqual(
      ['1', 'ghp_abcdefgh', CANARY].sort(),
    );
    const redact = serverRedactor(['sk-model-key-123'], { DB_PASSWORD: CANARY, FLAG: 'x', API_KEY: '1' });
    expect(redact(`a ${CANARY} b sk-model-key-123 c 1`)).toBe('a [REDACTED] b [REDACTED] c 1');
  });

  it('redacts every string inside event data', () => {
    const redact = serverRedactor([], { SECRET: CANARY });
    expect(redactDeep({ content: `x${CANARY}`, list: [CANARY, 3], nested: { ok: true } }, redact)).toEqual({
      content: 'x[REDACTED]',
      list: ['[REDACTED]', 3],
      nested: { ok: true },
    });
  });

  it('keeps planted canaries out of log lines, whichever field carries them', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'DEBUG', sink: (l) => lines.push(l), redact: serverRedactor([], { MY_TOKEN: CANARY }) });
    logger.error(`failed with ${CANARY}`, { detail: { token: CANARY }, error: new Error(`boom ${CANARY}`) });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(CANARY);
    expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'failed with [REDACTED]', detail: { token: '[REDACTED]' } });
  });
});
