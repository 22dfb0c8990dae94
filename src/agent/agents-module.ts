import type { Config } from '../config.js';
import type { AgentNetworks } from '../egress/agent-network.js';
import type { CredentialBroker } from '../model-proxy/credential-broker.js';
import { agentModelEnv } from '../model-proxy/agent-model-env.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { SecretReader } from '../secrets/secret-types.js';
import type { Module } from '../server/module.js';
import { VERSION } from '../server/version.js';
import type { TranscriptStore } from '../storage/transcript-store.js';
import { DEFAULT_PERMISSION_MODE } from '../tasks/task-defaults.js';
import type { TenantRegistry } from '../tenancy/tenant-registry.js';
import { buildAgentEnv } from './agent-env.js';
import type { AgentSandbox } from './isolation/agent-sandbox.js';
import { AgentProcessManager } from './process-manager.js';
import { pdeathsigAvailable } from './process-spawner.js';

/** The Claude Code processes: live ones per session, prewarmed spares, each in its sandbox. */
export function createAgentsModule(deps: {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  tenants: TenantRegistry;
  /** The server's own environment: the agent env allowlist picks from it. */
  serverEnv: Readonly<Record<string, string | undefined>>;
  modelProxyUrl: string;
  credentials: CredentialBroker;
  sandbox: AgentSandbox;
  networks: AgentNetworks;
  transcripts: TranscriptStore;
  secrets: SecretReader | null;
  isRoot: boolean;
}): Module<AgentProcessManager> {
  const { config, logger } = deps;
  const usePdeathsig = pdeathsigAvailable();
  if (!usePdeathsig) logger.warn('setpriv not available: agent processes may outlive the server if it is killed with SIGKILL');
  const agents = new AgentProcessManager(
    {
      env: {
        ...buildAgentEnv({
          serverEnv: deps.serverEnv,
          passthrough: config.claude.envPassthrough,
          baseUrl: deps.modelProxyUrl,
          // No HOME or CLAUDE_CONFIG_DIR: each process gets its own (see AgentSandbox.createHome).
          clientApp: `claude-code-server/${VERSION}`,
        }),
        ...agentModelEnv(config.model.stallTimeoutSeconds * 1000),
      },
      allowBypassPermissions: !deps.isRoot,
      usePdeathsig,
      credentials: deps.credentials,
      sandbox: deps.sandbox,
      networks: deps.networks,
      transcripts: deps.transcripts,
      secrets: deps.secrets,
    },
    {
      maxProcesses: config.sessions.maxConcurrent,
      warmPoolSize: config.sessions.warmPoolSize,
      defaultPermissionMode: DEFAULT_PERMISSION_MODE,
      defaultTenantId: deps.tenants.defaultTenant.id,
    },
    logger.child('agents'),
  );
  deps.metrics.observeAgentProcesses(agents);
  return { api: agents, start: () => agents.warmUp(), stop: () => agents.shutdown() };
}
