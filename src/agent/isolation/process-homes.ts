import type { SandboxCommand, SandboxCommandResult } from './sandbox-command.js';
import { removeEmptiedDirectory } from '../../workspaces/host-boundary.js';
import type { SandboxIdentity } from './agent-sandbox.js';

/** The two ways AgentSandbox runs a command in a sandbox (see sandbox-command.ts). */
export interface SandboxRunner {
  run(identity: SandboxIdentity, command: SandboxCommand): Promise<SandboxCommandResult>;
  runPrivileged(identity: SandboxIdentity, keepCaps: readonly string[], command: SandboxCommand): Promise<SandboxCommandResult> | null;
}

/**
 * Removes a process's private home after the process is gone. Its contents were written by the
 * tenant, so they are deleted inside a sandbox that shows nothing but this home (find -delete:
 * a physical walk that follows no symlink), not by the server on the host: as root keeping only
 * CAP_DAC_OVERRIDE (the SDK makes a few root-owned entries there, such as a spare's directory),
 * or as the server's own user in a user namespace. That also covers a moment the host cannot
 * rule out: with a user namespace, bwrap exits a moment before the last process of its PID
 * namespace is killed. Only the emptied directory itself is removed on the host.
 */
export async function removeProcessHome(sandbox: SandboxRunner, identity: SandboxIdentity, dir: string): Promise<void> {
  const place: SandboxIdentity = { ...identity, workspaceRoot: dir, masked: [] };
  const command: SandboxCommand = { command: 'find', args: [dir, '-mindepth', '1', '-delete'], cwd: dir, timeoutMs: 60_000, maxOutputBytes: 64 * 1024 };
  try {
    await (sandbox.runPrivileged(place, ['dac_override'], command) ?? sandbox.run(place, command));
  } catch {
    // Left for the next start, which clears every home (clearHomesOfDeadServer).
  }
  await removeEmptiedDirectory(dir).catch(() => undefined);
}
