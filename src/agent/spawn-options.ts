import type { AgentNetworks, ProcessNetwork } from '../egress/agent-network.js';
import type { CredentialBroker, ProcessCredential } from '../model-proxy/credential-broker.js';
import type { PermissionMode } from '../tasks/task-types.js';
import type { SecretReader } from '../secrets/secret-types.js';
import type { AgentSandbox, ProcessHome, SandboxIdentity } from './isolation/agent-sandbox.js';
import { mcpBinding } from '../mcp/mcp-routes.js';
import { cliMcpServers, type ProcessMcp, type SdkMcpServers } from './mcp-launch.js';
import { spawnClaudeProcess } from './process-spawner.js';
import type { SdkOptions, SdkSessionStore } from './sdk.js';
import type { StderrTail } from './stderr-tail.js';
import type { ToolGate } from './tool-gate.js';

/** The longest options.approval_timeout a task may ask for (API validation uses it too). */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 86_400;

/** What every agent process of this server shares. */
export interface AgentHostConfig {
  env: Record<string, string>;
  /** Whether this process may grant bypassPermissions (the CLI refuses it as root). */
  allowBypassPermissions: boolean;
  /** Launch the CLI under `setpriv --pdeathsig KILL` so it cannot outlive the server. */
  usePdeathsig: boolean;
  /**
   * Mints each process's token for the credential proxy (src/model-proxy): the CLI gets the
   * token instead of the model key, which never leaves the server.
   */
  credentials: CredentialBroker;
  /** How each process is confined, and its private home (see isolation/agent-sandbox.ts). */
  sandbox: AgentSandbox;
  /** Each sandboxed process's sockets to the credential and egress proxies (src/egress). */
  networks: AgentNetworks;
  /** Transcripts live here, not in a process's config dir: a session resumes in any process. */
  transcripts: SdkSessionStore;
  /** What MCP server headers name; only read here without isolation (else the relay reads them). */
  secrets: SecretReader | null;
}

/**
 * What a Claude Code process is started with and cannot change afterwards, so what a spare or a
 * live process must match to serve a task. Tools, permission mode, model and turn limit are not
 * here: they are applied per task (claim options, flag settings, the tool gate, TurnLimit).
 * `identity` is the sandbox the process runs in (a tenant's uid and namespaces).
 */
export interface SpawnSpec {
  identity: SandboxIdentity;
  /** options.output_schema: the SDK's outputFormat is fixed when the process starts. */
  outputSchema?: Record<string, unknown> | null;
  /** MCP servers are connected when the process starts, and the relay's routes are its socket's. */
  mcp?: ProcessMcp | null;
}

export function spawnKey(spec: SpawnSpec): string {
  const key: Record<string, unknown> = { sandbox: spec.identity.key };
  if (spec.outputSchema) key.outputSchema = spec.outputSchema;
  if (spec.mcp) key.mcp = spec.mcp;
  return JSON.stringify(key);
}

/** Search tools the CLI withholds unless they are named when it starts. */
const SEARCH_TOOLS = ['Glob', 'Grep'] as const;

/** The tool through which the CLI takes a structured result (outputFormat json_schema). */
export const STRUCTURED_OUTPUT_TOOL = 'StructuredOutput';

export interface ProcessHooks {
  abortController: AbortController;
  stderr: StderrTail;
  onSpawn: (pid: number) => void;
  /** Called once when the OS process is gone (or could not be started). */
  onExit: () => void;
  /** The per-process check of every tool call against the current task's allowed_tools. */
  toolGate: ToolGate;
  /** From host.credentials.mint(): handed to the CLI as its key, revoked when the process exits. */
  credential: ProcessCredential;
}

/** Where one process runs: its tenant's sandbox, its own HOME / CLAUDE_CONFIG_DIR, its proxy sockets and MCP servers. */
export interface ProcessPlace {
  identity: SandboxIdentity;
  home: ProcessHome;
  network: ProcessNetwork;
  mcpServers: SdkMcpServers | null;
}

/** A new process's home and proxy sockets; the sockets follow the task its credential serves. */
export async function preparePlace(host: AgentHostConfig, spec: SpawnSpec, credential: ProcessCredential): Promise<ProcessPlace> {
  const { identity } = spec;
  const home = await host.sandbox.createHome(identity);
  let network: ProcessNetwork | null = null;
  try {
    // One plan per process: the relay's routes for its socket, and the URLs the CLI is given for them.
    const relay = spec.mcp ? mcpBinding(spec.mcp) : null;
    network = await host.networks.open(() => host.credentials.taskFor(credential.token), relay?.binding ?? null);
    const relayUrls = network.socketDir === null ? null : (relay?.relayUrls ?? null);
    const mcpServers = spec.mcp ? await cliMcpServers(spec.mcp, relayUrls, host.secrets) : null;
    return { identity, home, network, mcpServers };
  } catch (error) {
    network?.close();
    home.dispose();
    throw error;
  }
}

/** Options for query() and prewarm(); per-task settings (cwd, mode, model, permissions, resume) are added by the caller. */
export function hostOptions(host: AgentHostConfig, permissionMode: PermissionMode, hooks: ProcessHooks, place: ProcessPlace): SdkOptions {
  return {
    env: { ...host.env, ...place.network.env, HOME: place.home.dir, CLAUDE_CONFIG_DIR: place.home.configDir },
    sessionStore: host.transcripts,
    abortController: hooks.abortController,
    // Every built-in tool is offered; each task's allowed_tools is enforced by deny rules and the gate.
    tools: { type: 'preset', preset: 'claude_code' },
    // The CLI offers Glob and Grep only when named here (or when Bash is denied); a task's rules
    // come later, as flag settings, which do not offer them. The gate refuses them where unlisted.
    allowedTools: [...SEARCH_TOOLS],
    permissionMode,
    // Lets a later task of the same process switch to bypassPermissions; never granted as root.
    allowDangerouslySkipPermissions: host.allowBypassPermissions,
    // Nobody sits at a terminal: anything that would ask for permission is denied at once.
    permissionPrompts: 'none',
    // No maxTurns: the server counts turns per task (turn-limit.ts).
    // A gate that fails must refuse the tool, not let it through. The timeout (seconds) outlasts the
    // longest approval_timeout, since the gate holds a call while the client decides.
    hooks: { PreToolUse: [{ hooks: [hooks.toolGate.hook], onFailure: 'block', timeout: MAX_APPROVAL_TIMEOUT_SECONDS + 60 }] },
    // Project settings carry the repository's CLAUDE.md; user settings live in our own config dir.
    settingSources: ['project'],
    // On stdin, not the command line, which every user of the machine can read.
    ...(place.mcpServers ? { mcpServers: place.mcpServers, mcpServersDelivery: 'initialize' as const } : {}),
    stderr: hooks.stderr.write,
    spawnClaudeCodeProcess: (spawnOptions) =>
      spawnClaudeProcess(spawnOptions, {
        usePdeathsig: host.usePdeathsig,
        apiKey: hooks.credential.token,
        onStderr: hooks.stderr.write,
        onSpawn: hooks.onSpawn,
        wrap: (launch) => host.sandbox.wrap(launch, place.identity, place.home, place.network.socketDir),
        onExit: () => {
          hooks.credential.revoke();
          place.network.close();
          place.home.dispose();
          hooks.onExit();
        },
      }),
  };
}
