import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { serverRedactor } from '../../src/observability/redact.js';
import { redisSecrets } from '../../src/backends/redis/redis-secrets.js';

describe('STORAGE_REDIS_URL never reaches logs or events', () => {
  it('redacts the URL and its (percent-decoded) password', () => {
    const config = loadConfig({ CLAUDE_API_KEY: 'sk-test', STORAGE_TYPE: 'redis', STORAGE_REDIS_URL: 'rediss://app:p%40ssw0rd-long@redis.internal:6380/1' });
    const redact = serverRedactor([...redisSecrets(config)], {});
    expect(redact('connecting to rediss://app:p%40ssw0rd-long@redis.internal:6380/1 failed')).toBe('connecting to [REDACTED] failed');
    expect(redact('AUTH p@ssw0rd-long')).toBe('AUTH [REDACTED]');
  });

  it('has nothing to add without a URL', () => {
    expect(redisSecrets(loadConfig({ CLAUDE_API_KEY: 'sk-test' }))).toEqual([]);
  });
});
