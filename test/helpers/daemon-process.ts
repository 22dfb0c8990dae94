import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOnPath } from './system-programs.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MAIN = path.join(REPO_ROOT, 'dist/src/main.js');
/**
 * setpriv by its full path, found on the test process's PATH: spawn looks a bare name up on the
 * child's PATH, and some suites give the daemon a PATH without it (to hide bwrap, for example).
 */
const SETPRIV = findOnPath('setpriv');

/**
 * A command line that dies with the test worker that runs it (`setpriv --pdeathsig`, with any
 * other setpriv options first): a cancelled run (a killed worker) must not leave daemons, workers
 * or Redis behind to load the machine for the next one. setpriv execs, so the child's pid is the
 * command's. Without setpriv, the command as it is.
 */
export function diesWithWorker(command: string, args: readonly string[], setprivOptions: readonly string[] = []): [string, string[]] {
  if (SETPRIV !== null) return [SETPRIV, [...setprivOptions, '--pdeathsig', 'KILL', '--', command, ...args]];
  // Its other options (another user) cannot be dropped the way the pdeathsig can.
  if (setprivOptions.length > 0) throw new Error('setpriv is not installed (apt-get install -y util-linux)');
  return [command, [...args]];
}

export interface DaemonProcess {
  child: ChildProcess;
  baseUrl: string;
  wsBase: string;
  dir: string;
  stdout(): string;
  stderr(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts the compiled daemon as `npm start` would, in its own temporary working directory.
 * Without an explicit port it picks one below Linux's ephemeral range (32768+, where outgoing
 * connections take theirs) and tries another if the port is taken anyway.
 */
export interface DaemonOptions {
  waitForListen?: boolean;
  dir?: string;
  port?: number;
  /**
   * Run the daemon as this unprivileged uid (and gid), as a non-root deployment does: agents are
   * then isolated by a user namespace instead of a uid of their own. The daemon's working
   * directory is handed to the uid; give it the DATA_DIR and WORKSPACE_ROOT it needs with
   * `handOver`.
   */
  asUser?: number;
}

/** Gives an unprivileged test daemon (DaemonOptions.asUser) directories of its own, parents made reachable. */
export function handOver(uid: number, ...dirs: string[]): void {
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    chownSync(dir, uid, uid);
    for (let parent = path.dirname(dir); parent !== path.dirname(parent); parent = path.dirname(parent)) {
      const mode = statSync(parent).mode;
      if ((mode & 0o001) === 0) chmodSync(parent, (mode & 0o7777) | 0o711);
    }
  }
}

/** The daemons one test file starts (and restarts), so that its afterAll kills whichever are left. */
export class DaemonFleet {
  readonly started: DaemonProcess[] = [];

  async start(env: Record<string, string>, options: DaemonOptions = {}): Promise<DaemonProcess> {
    const daemon = await startDaemon(env, options);
    this.started.push(daemon);
    return daemon;
  }

  async killAll(): Promise<void> {
    for (const daemon of this.started) await daemon.stop('SIGKILL');
  }
}

export async function startDaemon(env: Record<string, string>, options: DaemonOptions = {}): Promise<DaemonProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDaemonOnce(env, { ...options, port: options.port ?? 20000 + Math.floor(Math.random() * 12000) });
    } catch (error) {
      if (options.port !== undefined || attempt >= 5 || !String(error).includes('EADDRINUSE')) throw error;
    }
  }
}

async function startDaemonOnce(env: Record<string, string>, options: DaemonOptions & { port: number }): Promise<DaemonProcess> {
  const dir = options.dir ?? mkdtempSync(path.join(tmpdir(), 'ccs-daemon-'));
  const port = options.port;
  const asUser = options.asUser;
  if (asUser !== undefined) handOver(asUser, dir);
  const user = asUser === undefined ? [] : [`--reuid=${asUser}`, `--regid=${asUser}`, '--clear-groups'];
  const [command, args] = diesWithWorker(process.execPath, [MAIN], user);
  const child = spawn(command, args, {
    cwd: dir,
    // METRICS_PORT 0: daemons started side by side must not fight over the default 9090.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SERVER_HOST: '127.0.0.1', SERVER_PORT: String(port), METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  if (options.waitForListen !== false) {
    const deadline = Date.now() + 20_000;
    while (!out.includes('Server started')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`daemon did not start: ${err}${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    wsBase: `ws://127.0.0.1:${port}`,
    dir,
    stdout: () => out,
    stderr: () => err,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
