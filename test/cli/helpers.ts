import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/daemon-process.js';

/** The built `ccs` binary, found the way npm finds it: package.json's "bin". */
export const CCS_BIN = path.join(REPO_ROOT, (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: { ccs: string } }).bin.ccs);

export interface CcsResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** An environment without the developer's own ccs settings, so only what a test sets counts. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('CCS_') && key !== 'NO_COLOR' && key !== 'FORCE_COLOR') env[key] = value;
  }
  // No config file from the machine: point XDG_CONFIG_HOME at an empty directory.
  env.XDG_CONFIG_HOME = path.join(tmpdir(), 'ccs-test-no-config');
  return { ...env, ...extra };
}

/** Runs `ccs` with stdout and stderr piped (not a terminal), to its end. */
export function runCcs(args: string[], env: Record<string, string>): Promise<CcsResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CCS_BIN, ...args], { env: cleanEnv(env), timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `ccs` in the background; `lines` grows as stdout arrives. */
export function spawnCcs(args: string[], env: Record<string, string>): { child: ChildProcess; stdout: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CCS_BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.resume();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, exited };
}

export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `ccs` in a real pseudo-terminal: a detached tmux session on a private socket. The command's
 * exit code is printed as `EXIT:<code>` when it ends, and the pane is kept for reading.
 */
export class TmuxCcs {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'ccs-tmux-'));
  private readonly socket = path.join(this.dir, 'tmux.sock');

  constructor(args: string[], env: Record<string, string>) {
    // Unset CI: a person's terminal, where the spinner animates.
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const command = [
      'env -u CI -u NO_COLOR -u FORCE_COLOR',
      `XDG_CONFIG_HOME=${shellQuote(path.join(this.dir, 'config'))}`,
      ...assignments,
      shellQuote(process.execPath),
      shellQuote(CCS_BIN),
      ...args.map(shellQuote),
    ].join(' ');
    this.tmux('new-session', '-d', '-x', '120', '-y', '40', `${command}; echo EXIT:$?; sleep 600`);
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], { encoding: 'utf8' });
  }

  /** The visible screen; with `escapes`, including colour sequences. */
  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []));
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', ...keys);
  }

  exitCode(): number | undefined {
    const match = /EXIT:(\d+)/.exec(this.screen());
    return match ? Number(match[1]) : undefined;
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
