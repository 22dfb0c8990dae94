import { describe, expect, it } from 'vitest';
import { buildAgentEnv } from '../../src/agent/agent-env.js';

describe('buildAgentEnv', () => {
  it("never gives the agent the server's own secrets, even when AGENT_ENV_PASSTHROUGH names them", () => {
    const serverEnv = {
      PATH: '/usr/bin',
      METRICS_AUTH_TOKEN: 'metrics-token-0123456789',
      CLAUDE_API_KEY: 'sk-real-key',
      API_API_KEY: 'api-key-0123456789',
      WEBHOOK_SECRET: 'whsec_0123456789abcdef',
      STORAGE_REDIS_URL: 'redis://:pw@redis:6379',
      GIT_AUTHOR_NAME: 'Agent',
    };
    const env = buildAgentEnv({
      serverEnv,
      passthrough: ['METRICS_AUTH_TOKEN', 'CLAUDE_API_KEY', 'API_API_KEY', 'WEBHOOK_SECRET', 'STORAGE_REDIS_URL', 'GIT_AUTHOR_NAME'],
      baseUrl: 'http://127.0.0.1:1',
      clientApp: 'test',
    });
    expect(env.GIT_AUTHOR_NAME).toBe('Agent');
    for (const secret of ['METRICS_AUTH_TOKEN', 'CLAUDE_API_KEY', 'API_API_KEY', 'WEBHOOK_SECRET', 'STORAGE_REDIS_URL']) expect(env[secret]).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain('metrics-token-0123456789');
  });
});
