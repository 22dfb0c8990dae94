import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** How a streaming command ended: its status, the start of its stderr, and whether its deadline killed it. */
export interface StreamingExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  timedOut: boolean;
}

/**
 * A command in a tenant's sandbox whose stdin and stdout are streams the caller pipes (a file's
 * bytes in, an archive out), for data too large to hold in memory. The caller must read stdout
 * to its end or call kill(); the sandbox is killed whole at the deadline.
 */
export interface StreamingProcess {
  stdin: ChildProcessWithoutNullStreams['stdin'];
  stdout: ChildProcessWithoutNullStreams['stdout'];
  exited: Promise<StreamingExit>;
  kill(): void;
}

const STDERR_KEPT = 16 * 1024;

export function spawnStreaming(
  launch: { command: string; args: readonly string[]; cwd: string; env: Record<string, string> },
  timeoutMs: number,
  release: () => void = () => undefined,
): StreamingProcess {
  const child = spawn(launch.command, launch.args, { cwd: launch.cwd, env: launch.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let timedOut = false;
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < STDERR_KEPT) stderr += chunk;
  });
  // A command that stops reading (it refused the path) must not crash the server with EPIPE.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<StreamingExit>((resolve) => {
    child.once('error', (error) => {
      clearTimeout(timer);
      release();
      resolve({ code: null, signal: null, stderr: `${stderr}${error.message}`, timedOut });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      release();
      resolve({ code, signal, stderr, timedOut });
    });
  });
  return { stdin: child.stdin, stdout: child.stdout, exited, kill };
}
