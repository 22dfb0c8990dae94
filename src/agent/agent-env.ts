/**
 * The CLI's environment is built from an explicit allowlist: `options.env` replaces the child's
 * environment, and the agent's Bash tool inherits it, so anything copied here is readable by
 * the agent. Never pass process.env wholesale. The model key is not here at all: it reaches
 * the CLI on a pipe (see process-spawner.ts).
 */
const BASE_ALLOWLIST = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TERM', 'TMPDIR', 'USER', 'LOGNAME', 'SHELL'] as const;

/** The server's own secrets: never given to an agent, even when AGENT_ENV_PASSTHROUGH names them. */
const SERVER_SECRETS = new Set([
  'CLAUDE_API_KEY',
  'ANTHROPIC_API_KEY',
  'API_API_KEY',
  'METRICS_AUTH_TOKEN',
  'WEBHOOK_SECRET',
  'STORAGE_REDIS_URL',
  'SECRETS_KEY',
  'SECRETS_KEY_PREVIOUS',
]);

export interface AgentEnvInput {
  serverEnv: Readonly<Record<string, string | undefined>>;
  passthrough: readonly string[];
  baseUrl: string | undefined;
  /** Omitted when each process gets its own (see AgentSandbox.createHome). */
  configDir?: string;
  homeDir?: string;
  clientApp: string;
}

export function buildAgentEnv(input: AgentEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ALLOWLIST, ...input.passthrough]) {
    if (SERVER_SECRETS.has(name)) continue;
    const value = input.serverEnv[name];
    if (value !== undefined) env[name] = value;
  }
  if (env.PATH === undefined) env.PATH = '/usr/local/bin:/usr/bin:/bin';
  if (input.homeDir !== undefined) env.HOME = input.homeDir;
  if (input.configDir !== undefined) env.CLAUDE_CONFIG_DIR = input.configDir;
  Object.assign(env, {
    CLAUDE_AGENT_SDK_CLIENT_APP: input.clientApp,
    // A daemon must not phone home or update itself behind its operator's back.
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    // The credential proxy retries transient model failures itself (src/model-proxy); CLI
    // retries on top would multiply the attempts and stretch a failure to minutes. Measured
    // (CLI 2.1.x): by default it gives up after three 529s and resends a broken stream for
    // minutes; with 0 it makes one attempt per error status and at most one non-streaming
    // fallback after a broken stream.
    CLAUDE_CODE_MAX_RETRIES: '0',
  });
  if (input.baseUrl !== undefined) env.ANTHROPIC_BASE_URL = input.baseUrl;
  return env;
}
