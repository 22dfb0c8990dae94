import { spawn } from 'node:child_process';
import type { IsolationPlan } from './isolation-mode.js';
import { bwrapArgs, type SandboxUser } from './sandbox-args.js';

/** A short command run for the server inside a tenant's sandbox, its result read over a pipe. */
export interface SandboxCommand {
  command: string;
  args: readonly string[];
  cwd: string;
  /** Read-write paths beyond the tenant's workspace tree (bound at the same path). */
  readWrite?: readonly string[];
  env?: Readonly<Record<string, string>>;
  input?: string | Buffer;
  /** Killed (with the whole sandbox) after this long. */
  timeoutMs: number;
  /** Stdout beyond this is an error: a tenant must not make the server buffer without bound. */
  maxOutputBytes?: number;
  /**
   * Stdout beyond this many bytes is dropped and the command killed, its result marked `cut`
   * (its exit status is then unknown): for output that is useful in part, such as a patch.
   */
  cutOutputAt?: number;
  /**
   * May run in the tenant's long-lived worker sandbox (sandbox-worker.ts) instead of a sandbox of
   * its own: only for commands that never run anything the tenant wrote, whose extra paths are
   * the same at every call, and that leave no process behind.
   */
  reusable?: boolean;
}

export interface SandboxCommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
  /** Stdout reached cutOutputAt: it holds the first cutOutputAt bytes, and the command was killed. */
  cut?: boolean;
}

/** Where a command runs: the tenant's tree (and its masks) as a given user. */
export interface SandboxPlace {
  workspaceRoot: string;
  masked: readonly string[];
  /** null: no sandbox (AGENT_ISOLATION=none): the command runs on the host as the server. */
  user: SandboxUser | null;
}

export const BASE_ENV: Readonly<Record<string, string>> = { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C', LC_ALL: 'C', HOME: '/nonexistent' };
export const DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024;

/**
 * The only way the server touches a tenant-writable tree: a command in a sandbox that shows
 * nothing but that tenant's tree and the system directories (read-only), with no network, no
 * other process and (as root) the tenant's own uid. A planted git config, hook or symlink can
 * then do no more than the tenant could do itself.
 */
export function runInSandbox(
  plan: IsolationPlan,
  place: SandboxPlace,
  cmd: SandboxCommand,
  /** Wraps the bwrap command line, e.g. to enter the tenant's cgroups first. */
  outside: (launch: { command: string; args: string[] }) => { command: string; args: string[] } = (launch) => launch,
): Promise<SandboxCommandResult> {
  const env = commandEnv(cmd);
  if (plan.mode === 'none' || place.user === null) return runCollecting(cmd.command, cmd.args, { cwd: cmd.cwd, env }, cmd);
  const sandboxed = outside(sandboxLaunch(plan, place, place.user, [place.workspaceRoot, ...(cmd.readWrite ?? [])], cmd.cwd, cmd.command, cmd.args));
  return runCollecting(sandboxed.command, sandboxed.args, { cwd: '/', env }, cmd);
}

/** The whole environment a command runs with, in a sandbox of its own or a worker: nothing of the server's. */
export function commandEnv(cmd: SandboxCommand): Record<string, string> {
  return { ...BASE_ENV, ...cmd.env };
}

/** The bwrap command line that runs `command` in the tenant's view with `readWrite` bound. */
export function sandboxLaunch(
  plan: IsolationPlan,
  place: SandboxPlace,
  user: SandboxUser,
  readWrite: readonly string[],
  cwd: string,
  command: string,
  args: readonly string[],
  tmpSize?: number,
  readOnly: readonly string[] = [],
): { command: string; args: string[] } {
  const view = { readOnly, readWrite, masked: place.masked, cwd, tmpSize };
  return { command: plan.bwrap, args: bwrapArgs(plan.system, view, user, command, args) };
}

function runCollecting(
  command: string,
  args: readonly string[],
  spawnAt: { cwd: string; env: Record<string, string> },
  cmd: SandboxCommand,
): Promise<SandboxCommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: spawnAt.cwd, env: spawnAt.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const limit = cmd.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const chunks: Buffer[] = [];
    let size = 0;
    let stderr = '';
    let timedOut = false;
    let overflow = false;
    let cut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, cmd.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (cut) return;
      if (cmd.cutOutputAt !== undefined && size + chunk.length >= cmd.cutOutputAt) {
        chunks.push(chunk.subarray(0, cmd.cutOutputAt - size));
        size = cmd.cutOutputAt;
        cut = true;
        child.kill('SIGKILL');
        return;
      }
      size += chunk.length;
      if (size > limit) {
        overflow = true;
        child.kill('SIGKILL');
        return;
      }
      chunks.push(chunk);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(cmd.input);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (overflow) return reject(new Error(`${cmd.command} wrote more than ${limit} bytes`));
      resolve({ code: cut ? null : code, signal, stdout: Buffer.concat(chunks), stderr, timedOut, ...(cut ? { cut } : {}) });
    });
  });
}
