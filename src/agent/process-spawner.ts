import { spawn, spawnSync } from 'node:child_process';
import type { SdkSpawnedProcess, SdkSpawnOptions } from './sdk.js';

export type StderrSink = (chunk: string) => void;

/** Whether `setpriv --pdeathsig` (util-linux) can be used on this machine. */
export function pdeathsigAvailable(): boolean {
  if (process.platform !== 'linux') return false;
  const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore', timeout: 5000 });
  return probe.status === 0;
}

/**
 * Starts the Claude Code CLI so that it dies with the server: Node cannot set a parent-death
 * signal itself, so the CLI is exec'd through `setpriv --pdeathsig KILL`. Without this a
 * `kill -9` of the server leaves the CLI running, still calling the model and editing files.
 */
export function spawnClaudeProcess(options: SdkSpawnOptions, usePdeathsig: boolean, onStderr: StderrSink, onSpawn: (pid: number) => void): SdkSpawnedProcess {
  const [command, args] = usePdeathsig
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', options.command, ...options.args]]
    : [options.command, options.args];
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env as NodeJS.ProcessEnv,
    signal: options.signal,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) onSpawn(child.pid);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', onStderr);
  // An abort makes Node kill the child and emit an AbortError; the SDK reports the exit itself.
  child.on('error', () => undefined);
  return child;
}
