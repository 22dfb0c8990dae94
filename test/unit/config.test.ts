import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const base = { CLAUDE_API_KEY: 'sk-test' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/app');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('uses the seed defaults', () => {
    const config = loadConfig(base, '/srv/app');
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 8000,
      logLevel: 'INFO',
      headersTimeoutSeconds: 20,
      requestTimeoutSeconds: 30,
      maxConnections: 1000,
    });
    expect(config.api).toMatchObject({ authEnabled: false, rateLimitEnabled: true, rateLimitPerMinute: 100 });
    expect(config.claude).toMatchObject({ maxTurns: 50, baseUrl: undefined, defaultModel: undefined });
    expect(config.sessions).toEqual({ maxConcurrent: 10, idleTimeoutSeconds: 1800, cleanupIntervalSeconds: 300, warmPoolSize: 1 });
    expect(config.storage).toEqual({
      type: 'sqlite',
      sqlitePath: path.resolve('/srv/app', 'data', 'claude-code-server.db'),
      redisHost: 'localhost',
      redisPort: 6379,
      redisUrl: undefined,
      redisPrefix: 'ccs',
      probeIntervalSeconds: 5,
    });
    expect(config.queue).toEqual({ leaseSeconds: 30, affinitySeconds: 5, pollMs: 1000 });
    expect(config.instanceId).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{4}$`));
    expect(config.tasks.queueMax).toBe(100);
    expect(config.tasks.defaultTimeoutSeconds).toBe(3600);
    expect(config.workspaceRoot).toBe(path.resolve('/srv/app', 'workspaces'));
    expect(config.dataDir).toBe(path.resolve('/srv/app', 'data'));
    expect(config.metricsPort).toBe(9090);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('says CLAUDE_API_KEY not set when no key is given, and accepts ANTHROPIC_API_KEY instead', () => {
    expect(problemsOf({})).toEqual([expect.stringContaining('CLAUDE_API_KEY not set')]);
    expect(loadConfig({ ANTHROPIC_API_KEY: 'sk-fallback' }).claude.apiKey).toBe('sk-fallback');
    expect(loadConfig({ ANTHROPIC_API_KEY: 'sk-fallback', CLAUDE_API_KEY: 'sk-main' }).claude.apiKey).toBe('sk-main');
  });

  it('refuses a DATA_DIR or SQLite file inside WORKSPACE_ROOT, where agents could reach them', () => {
    expect(problemsOf({ ...base, WORKSPACE_ROOT: '/srv', DATA_DIR: '/srv/data' })).toEqual([
      "DATA_DIR (/srv/data) must not be inside WORKSPACE_ROOT (/srv): agents work there and could reach the server's database and transcripts",
      "STORAGE_SQLITE_PATH (/srv/data/claude-code-server.db) must not be inside WORKSPACE_ROOT (/srv): agents work there and could reach the server's database and transcripts",
    ]);
    expect(problemsOf({ ...base, WORKSPACE_ROOT: '/srv/ws', DATA_DIR: '/srv/ws' })).toHaveLength(2);
    expect(problemsOf({ ...base, WORKSPACE_ROOT: '/srv/ws', DATA_DIR: '/srv/data', STORAGE_SQLITE_PATH: '/srv/ws/x.db' })).toEqual([
      expect.stringMatching(/^STORAGE_SQLITE_PATH/),
    ]);
    // Side by side, or a name that merely starts with the root's: fine.
    expect(problemsOf({ ...base, WORKSPACE_ROOT: '/srv/ws', DATA_DIR: '/srv/ws-data' })).toEqual([]);
    expect(problemsOf({ ...base, WORKSPACE_ROOT: '/srv/ws', DATA_DIR: '/srv/..data' })).toEqual([]);
  });

  it('takes AGENT_READONLY_PATHS that exist, and refuses any that is relative, missing, or holds or lies in DATA_DIR or WORKSPACE_ROOT', () => {
    const dirs = { WORKSPACE_ROOT: '/srv/ws', DATA_DIR: '/srv/data' };
    expect(loadConfig({ ...base, ...dirs, AGENT_READONLY_PATHS: '/usr/share, /etc' }, '/srv/app').isolation.readOnlyPaths).toEqual(['/usr/share', '/etc']);
    expect(problemsOf({ ...base, ...dirs, AGENT_READONLY_PATHS: 'opt/tools,/no/such/dir,/srv,/srv/ws/team,/srv/data' })).toEqual([
      'AGENT_READONLY_PATHS: opt/tools is not an absolute path',
      'AGENT_READONLY_PATHS: /no/such/dir does not exist',
      'AGENT_READONLY_PATHS: /srv holds or lies inside DATA_DIR or WORKSPACE_ROOT',
      'AGENT_READONLY_PATHS: /srv/ws/team holds or lies inside DATA_DIR or WORKSPACE_ROOT',
      'AGENT_READONLY_PATHS: /srv/data holds or lies inside DATA_DIR or WORKSPACE_ROOT',
    ]);
  });

  it('MCP_ALLOW_PRIVATE: auto allows private MCP servers without API_KEYS_FILE; true and false decide outright', () => {
    expect(loadConfig(base, '/srv/app').mcp.allowPrivate).toBe(true);
    expect(loadConfig({ ...base, MCP_ALLOW_PRIVATE: 'FALSE' }, '/srv/app').mcp.allowPrivate).toBe(false);
    expect(problemsOf({ ...base, MCP_ALLOW_PRIVATE: 'yes' })).toEqual(['MCP_ALLOW_PRIVATE must be one of auto, true, false (got "yes")']);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({
      SERVER_PORT: 'eighty',
      SERVER_LOG_LEVEL: 'LOUD',
      API_AUTH_ENABLED: 'maybe',
      CLAUDE_BASE_URL: 'not a url',
      CLAUDE_MAX_TURNS: '0',
      SESSION_MAX_CONCURRENT: '-1',
      STORAGE_TYPE: 'postgres',
      TASK_RETENTION_DAYS: '-3',
    });
    expect(problems).toHaveLength(9);
    for (const name of [
      'SERVER_PORT',
      'SERVER_LOG_LEVEL',
      'API_AUTH_ENABLED',
      'CLAUDE_BASE_URL',
      'CLAUDE_MAX_TURNS',
      'SESSION_MAX_CONCURRENT',
      'STORAGE_TYPE',
      'CLAUDE_API_KEY',
    ]) {
      expect(problems.some((p) => p.includes(name))).toBe(true);
    }
  });

  it('refuses to enable auth without a key', () => {
    expect(problemsOf({ ...base, API_AUTH_ENABLED: 'true' })).toEqual([expect.stringContaining('API_API_KEY')]);
  });

  it('reads the overrides', () => {
    const config = loadConfig({
      ...base,
      SERVER_PORT: '9000',
      SERVER_LOG_LEVEL: 'warning',
      CLAUDE_BASE_URL: 'http://127.0.0.1:4000/',
      CLAUDE_DEFAULT_MODEL: 'claude-x',
      SESSION_MAX_CONCURRENT: '3',
      WORKSPACE_ROOT: '/data/ws',
      AGENT_ENV_PASSTHROUGH: 'GIT_AUTHOR_NAME, NPM_CONFIG_REGISTRY',
    });
    expect(config.server.port).toBe(9000);
    expect(config.server.logLevel).toBe('WARN');
    expect(config.claude.baseUrl).toBe('http://127.0.0.1:4000');
    expect(config.claude.defaultModel).toBe('claude-x');
    expect(config.claude.envPassthrough).toEqual(['GIT_AUTHOR_NAME', 'NPM_CONFIG_REGISTRY']);
    expect(config.sessions.maxConcurrent).toBe(3);
    expect(config.workspaceRoot).toBe('/data/ws');
  });

  it('accepts STORAGE_TYPE=redis with a URL, a prefix and an instance id, and refuses bad ones without echoing secrets', () => {
    const config = loadConfig({
      ...base,
      STORAGE_TYPE: 'redis',
      STORAGE_REDIS_URL: 'rediss://:s3cret@redis.internal:6380/2',
      STORAGE_REDIS_PREFIX: 'prod',
      INSTANCE_ID: 'node-a',
    });
    expect(config.storage).toMatchObject({ type: 'redis', redisUrl: 'rediss://:s3cret@redis.internal:6380/2', redisPrefix: 'prod' });
    expect(config.instanceId).toBe('node-a');
    const problems = problemsOf({ ...base, STORAGE_TYPE: 'redis', STORAGE_REDIS_URL: 'http://:s3cret@x', STORAGE_REDIS_PREFIX: 'a b', INSTANCE_ID: 'x/y' });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('s3cret');
  });
});
