import type { PermissionMode } from '../tasks/task-types.js';
import { spawnClaudeProcess } from './process-spawner.js';
import type { SdkOptions } from './sdk.js';
import type { StderrTail } from './stderr-tail.js';
import type { ToolGate } from './tool-gate.js';

/** What every agent process of this server shares. */
export interface AgentHostConfig {
  env: Record<string, string>;
  /** Whether this process may grant bypassPermissions (the CLI refuses it as root). */
  allowBypassPermissions: boolean;
  /** Launch the CLI under `setpriv --pdeathsig KILL` so it cannot outlive the server. */
  usePdeathsig: boolean;
  /** Handed to the CLI on a pipe, never in its environment (see process-spawner.ts). */
  apiKey: string;
}

/**
 * What a Claude Code process is started with and cannot change afterwards, so what a spare or a
 * live process must match to serve a task. Tools, permission mode, model and turn limit are not
 * here: they are applied per task (claim options, flag settings, the tool gate, TurnLimit).
 * `sandbox` is an opaque identity of the environment the process runs in (e.g. a tenant's uid
 * and namespaces); '' is the server's own.
 */
export interface SpawnSpec {
  sandbox: string;
}

export const DEFAULT_SPAWN_SPEC: SpawnSpec = { sandbox: '' };

export function spawnKey(spec: SpawnSpec): string {
  return JSON.stringify({ sandbox: spec.sandbox });
}

export interface ProcessHooks {
  abortController: AbortController;
  stderr: StderrTail;
  onSpawn: (pid: number) => void;
  /** Called once when the OS process is gone (or could not be started). */
  onExit: () => void;
  /** The per-process check of every tool call against the current task's allowed_tools. */
  toolGate: ToolGate;
}

/** Options for query() and prewarm(); per-task settings (cwd, mode, model, permissions, resume) are added by the caller. */
export function hostOptions(host: AgentHostConfig, spec: SpawnSpec, permissionMode: PermissionMode, hooks: ProcessHooks): SdkOptions {
  void spec; // the sandbox identity is for whoever launches processes per tenant
  return {
    env: host.env,
    abortController: hooks.abortController,
    // Every built-in tool is offered; each task's allowed_tools is enforced by deny rules and the gate.
    tools: { type: 'preset', preset: 'claude_code' },
    permissionMode,
    // Lets a later task of the same process switch to bypassPermissions; never granted as root.
    allowDangerouslySkipPermissions: host.allowBypassPermissions,
    // Nobody sits at a terminal: anything that would ask for permission is denied at once.
    permissionPrompts: 'none',
    // No maxTurns: the server counts turns per task (turn-limit.ts).
    // A gate that fails must refuse the tool, not let it through.
    hooks: { PreToolUse: [{ hooks: [hooks.toolGate.hook], onFailure: 'block' }] },
    // Project settings carry the repository's CLAUDE.md; user settings live in our own config dir.
    settingSources: ['project'],
    stderr: hooks.stderr.write,
    spawnClaudeCodeProcess: (spawnOptions) =>
      spawnClaudeProcess(spawnOptions, {
        usePdeathsig: host.usePdeathsig,
        apiKey: host.apiKey,
        onStderr: hooks.stderr.write,
        onSpawn: hooks.onSpawn,
        onExit: hooks.onExit,
      }),
  };
}
