import { spawn, spawnSync } from 'node:child_process';
import type { Writable } from 'node:stream';
import type { Launch } from './isolation/agent-sandbox.js';
import type { SdkSpawnedProcess, SdkSpawnOptions } from './sdk.js';

export type StderrSink = (chunk: string) => void;

/** The CLI reads its API key from this descriptor and unsets the variable naming it. */
export const API_KEY_FD = 3;
export const API_KEY_FD_VARIABLE = 'CLAUDE_CODE_API_KEY_FILE_DESCRIPTOR';

/** Whether `setpriv --pdeathsig` (util-linux) can be used on this machine. */
export function pdeathsigAvailable(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5000 });
  return probe.status === 0;
}

export interface SpawnSettings {
  /** Exec the CLI through `setpriv --pdeathsig KILL`. */
  usePdeathsig: boolean;
  /** What the CLI uses as its model key: the process's credential-proxy token, on a pipe so it is in no environment. */
  apiKey: string;
  onStderr: StderrSink;
  onSpawn: (pid: number) => void;
  /** Rewrites the launch to run inside the agent's sandbox (see isolation/agent-sandbox.ts). */
  wrap?: (launch: Launch) => Launch;
  /**
   * The process is gone: exited, killed, or never started. Lets the server count only live
   * processes, revoke the process's proxy token and remove its private home.
   */
  onExit?: () => void;
}

/**
 * Starts the Claude Code CLI so that it dies with the server and never has the model key in
 * its environment:
 * - Node cannot set a parent-death signal itself, so the CLI is exec'd through
 *   `setpriv --pdeathsig KILL`; without it a `kill -9` of the server leaves the CLI running,
 *   still calling the model and editing files.
 * - The key goes through file descriptor 3 (CLAUDE_CODE_API_KEY_FILE_DESCRIPTOR) rather than
 *   ANTHROPIC_API_KEY, which every Bash command the agent runs would inherit.
 */
export function spawnClaudeProcess(options: SdkSpawnOptions, settings: SpawnSettings): SdkSpawnedProcess {
  // In a sandbox, bwrap's --die-with-parent gives the same guarantee as setpriv --pdeathsig.
  const sandboxed = settings.wrap?.({ command: options.command, args: options.args, cwd: options.cwd, env: options.env });
  const [command, args] = sandboxed
    ? [sandboxed.command, sandboxed.args]
    : settings.usePdeathsig
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', options.command, ...options.args]]
      : [options.command, options.args];
  const env: NodeJS.ProcessEnv = { ...(sandboxed?.env ?? options.env), [API_KEY_FD_VARIABLE]: String(API_KEY_FD) };
  delete env.ANTHROPIC_API_KEY;
  const child = spawn(command, args, {
    cwd: options.cwd,
    env,
    signal: options.signal,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) settings.onSpawn(child.pid);
  let gone = false;
  const onGone = (): void => {
    if (gone) return;
    gone = true;
    settings.onExit?.();
  };
  child.once('exit', onGone);
  // A spawn that fails emits 'error' and never 'exit'.
  child.once('error', () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) onGone();
  });
  // When a claimed or long-lived process ends, the SDK waits for its exit from several places at
  // once (about a dozen 'exit' listeners); the count does not grow with turns, so this is not a leak.
  child.setMaxListeners(32);
  const keyPipe = child.stdio[API_KEY_FD] as Writable | null;
  keyPipe?.on('error', () => undefined);
  keyPipe?.end(settings.apiKey);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', settings.onStderr);
  // An abort makes Node kill the child and emit an AbortError; the SDK reports the exit itself.
  child.on('error', () => undefined);
  return child;
}
