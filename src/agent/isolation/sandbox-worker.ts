import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ChildIdleness } from './child-idleness.js';
import { randomBytes } from 'node:crypto';
import { DEFAULT_MAX_OUTPUT, type SandboxCommand, type SandboxCommandResult } from './sandbox-command.js';

/** A shell parameter expansion's `${` cannot be written inside a template literal. */
const D = '$';

/**
 * The loop a worker sandbox runs, as the tenant: one command per request, never two at once.
 * bash reads a pipe one byte at a time, so a request is NUL-separated fields and a long field
 * (a script) is sent once per worker and later named by its number: `\1N` names field N, `\2N:`
 * defines it. A request: the field count, a fresh random marker, the cwd, the argument count, the
 * arguments, then the environment. The answer is the command's stdout as it comes, then
 * `\n<marker> <exit code>\n`, its stderr when it failed, and `\n<marker> end\n`. The marker is
 * unguessable and nothing the tenant wrote ever runs here, so no output can fake the frame.
 */
const WORKER_SCRIPT = String.raw`
set -u
# kill -1 below must only ever reach this sandbox's own processes: refuse to run anywhere but as
# a child of bubblewrap's init in a PID namespace of its own.
read -r init < /proc/1/comm
[ "$init" = bwrap ] || { echo "sandbox-worker: not in a PID namespace of its own" >&2; exit 64; }
declare -a cache=()
# What this loop inherited is cleared before each command, which then sees exactly its own environment.
mapfile -t inherited < <(compgen -e)
field() {
  IFS= read -r -d '' x || exit 0
  case $x in
    $'\001'*) x=${D}{cache[${D}{x:1}]} ;;
    $'\002'*) x=${D}{x:1}; cache[${D}{x%%:*}]=${D}{x#*:}; x=${D}{x#*:} ;;
  esac
}
while field; do
  f=() count=$x
  for ((i = 0; i < count; i++)); do field; f+=("$x"); done
  marker=${D}{f[0]} n=${D}{f[2]}
  (
    cd -- "${D}{f[1]}" || exit 1
    unset -v "${D}{inherited[@]}" PWD OLDPWD SHLVL
    envs=("${D}{f[@]:3+n}")
    if [ ${D}{#envs[@]} -gt 0 ]; then export "${D}{envs[@]}"; fi
    # A bash script (always the server's own: see reusable) runs in this subshell, as it would
    # under bash -c, with none of the loop's variables: one process start fewer per command.
    if [ "$n" -ge 4 ] && [ "${D}{f[3]}" = bash ] && [ "${D}{f[4]}" = -c ]; then
      __ccs_script=${D}{f[5]}
      set -- "${D}{f[@]:7:n-4}"
      unset -v f x cache inherited envs count marker n i init spin alive p
      # What bash sets up as it starts: the working directory's real path, and the shell level.
      cd -P . && unset -v OLDPWD && export PWD SHLVL=1
      set +u
      eval "$__ccs_script"
      exit
    fi
    exec "${D}{f[@]:3:n}"
  ) < /dev/null 2> /tmp/.stderr
  code=$?
  # Nothing a command started outlives it (every process here but init and this loop). SIGKILL
  # lands asynchronously, so the answer waits until they are gone (init reaps them): none can
  # still write into it.
  kill -KILL -1 2> /dev/null
  for ((spin = 0; spin < 100000; spin++)); do
    alive=0
    for p in /proc/[0-9]*; do
      p=${D}{p#/proc/}
      if [ "$p" != 1 ] && [ "$p" != "$$" ]; then alive=1 && break; fi
    done
    if [ "$alive" = 0 ]; then break; fi
  done
  printf '\n%s %s\n' "$marker" "$code"
  if [ "$code" != 0 ]; then head -c 65536 /tmp/.stderr; fi
  printf '\n%s end\n' "$marker"
done
`;

export interface WorkerLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Called once the worker's sandbox is gone (its cgroup can go then). */
  release?: () => void;
}

/** The bash arguments that make a sandbox a worker (appended to its launch). */
export function workerCommand(): { command: string; args: string[] } {
  return { command: 'bash', args: ['-c', WORKER_SCRIPT, 'sandbox-worker'] };
}

interface Pending {
  cmd: SandboxCommand;
  resolve: (result: SandboxCommandResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
  /** `\n<marker> `: where the command's stdout ends. */
  stdoutEnd: Buffer;
  /** `\n<marker> end\n`: where the answer ends. */
  answerEnd: Buffer;
  timedOut: boolean;
  overflow: boolean;
}

/** The most an answer's frame adds to stdout: the status line, up to 64 KiB of stderr, the end line. */
const FRAME_BYTES = 64 * 1024 + 128;

/** Fields longer than this are sent once per worker, then named by number. */
const CACHED_FIELD_BYTES = 256;

/**
 * One long-lived sandbox that runs short commands for the server, one at a time: the same view,
 * user and network namespace as a sandbox started per command (sandbox-command.ts), without the
 * cost of a bubblewrap launch for each. Whatever goes wrong (a deadline, an answer too large,
 * anything unexpected on the pipe) kills the whole sandbox; the next command starts a new one.
 */
export class SandboxWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly sentFields = new Map<string, number>();
  private pending: Pending | null = null;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private workerStderr = '';
  private gone = false;
  private killed = false;
  private readonly idleness: ChildIdleness;
  private readonly release: () => void;

  constructor(
    launch: WorkerLaunch,
    /** The paths bound read-write (beyond the system's): what commands run here may use. */
    readonly binds: readonly string[],
    idleMs: number,
    private readonly onGone: (worker: SandboxWorker) => void,
  ) {
    this.release = launch.release ?? (() => undefined);
    this.child = spawn(launch.command, launch.args, { cwd: '/', env: launch.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.idleness = new ChildIdleness(this.child, idleMs);
    this.child.stdout.on('data', (chunk: Buffer) => this.received(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.workerStderr = (this.workerStderr + chunk).slice(-16 * 1024);
    });
    this.child.stdin.on('error', () => undefined);
    this.child.once('error', (error) => this.ended(null, null, error));
    this.child.once('close', (code, signal) => this.ended(code, signal, null));
    this.idle();
  }

  get busy(): boolean {
    return this.pending !== null;
  }

  /** Neither gone nor on its way out: a killed worker takes no command while its exit is pending. */
  get alive(): boolean {
    return !this.gone && !this.killed && !this.idleness.retired;
  }

  /** Runs one command (no stdin: the worker does not carry one) with exactly `env`. */
  run(cmd: SandboxCommand, env: Record<string, string>): Promise<SandboxCommandResult> {
    if (!this.alive || this.pending !== null || cmd.input !== undefined) return Promise.reject(new Error('sandbox worker is not available'));
    this.idleness.busy();
    const marker = randomBytes(16).toString('hex');
    const fields = [marker, cmd.cwd, String(cmd.args.length + 1), cmd.command, ...cmd.args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
    if (fields.some((field) => field.includes('\0'))) return Promise.reject(new Error('a sandbox command cannot carry a NUL byte'));
    const request = [String(fields.length), ...fields.map((field) => this.encode(field))].map((field) => `${field}\0`).join('');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending) this.pending.timedOut = true;
        this.kill();
      }, cmd.timeoutMs);
      this.pending = {
        cmd,
        resolve,
        reject,
        timer,
        stdoutEnd: Buffer.from(`\n${marker} `),
        answerEnd: Buffer.from(`\n${marker} end\n`),
        timedOut: false,
        overflow: false,
      };
      this.child.stdin.write(request);
    });
  }

  kill(): void {
    this.killed = true;
    if (!this.gone) this.child.kill('SIGKILL');
  }

  private encode(field: string): string {
    if (Buffer.byteLength(field) < CACHED_FIELD_BYTES) return field;
    const known = this.sentFields.get(field);
    if (known !== undefined) return `\x01${known}`;
    const id = this.sentFields.size;
    this.sentFields.set(field, id);
    return `\x02${id}:${field}`;
  }

  private received(chunk: Buffer): void {
    const pending = this.pending;
    if (pending === null) return this.kill();
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const cutAt = pending.cmd.cutOutputAt;
    // Past the cut and the largest frame after it, stdout alone is over the cut: the rest is not waited for.
    if (cutAt !== undefined && this.buffered > cutAt + FRAME_BYTES) return this.cutShort(cutAt);
    if (this.buffered > (pending.cmd.maxOutputBytes ?? DEFAULT_MAX_OUTPUT) + FRAME_BYTES) {
      pending.overflow = true;
      return this.kill();
    }
    // Only the last bytes are compared until the answer is complete: stdout may be megabytes long.
    if (!this.tail(pending.answerEnd.length).equals(pending.answerEnd)) return;
    const all = Buffer.concat(this.chunks);
    const stdoutEnd = all.lastIndexOf(pending.stdoutEnd, all.length - pending.answerEnd.length - 1);
    const status =
      stdoutEnd === -1
        ? null
        : /^(\d+)\n/.exec(all.subarray(stdoutEnd + pending.stdoutEnd.length, stdoutEnd + pending.stdoutEnd.length + 8).toString('latin1'));
    if (stdoutEnd === -1 || status === null) return this.kill();
    const whole = all.subarray(0, stdoutEnd);
    const cut = cutAt !== undefined && whole.length >= cutAt;
    const stdout = cut ? whole.subarray(0, cutAt) : whole;
    if (stdout.length > (pending.cmd.maxOutputBytes ?? DEFAULT_MAX_OUTPUT)) {
      pending.overflow = true;
      return this.kill();
    }
    const stderr = all.subarray(stdoutEnd + pending.stdoutEnd.length + status[0].length, all.length - pending.answerEnd.length).toString('utf8');
    this.settle({ code: Number(status[1]), signal: null, stdout, stderr, timedOut: false, ...(cut ? { cut } : {}) });
    this.idle();
  }

  /** The first `cutAt` bytes of stdout are the answer; the command (with its sandbox) is killed. */
  private cutShort(cutAt: number): void {
    const stdout = Buffer.concat(this.chunks).subarray(0, cutAt);
    this.settle({ code: null, signal: 'SIGKILL', stdout, stderr: '', timedOut: false, cut: true });
    this.kill();
  }

  /** The last `length` bytes received for the pending answer. */
  private tail(length: number): Buffer {
    if (this.buffered < length) return Buffer.alloc(0);
    const last: Buffer[] = [];
    let size = 0;
    for (let i = this.chunks.length - 1; size < length; i--) {
      last.unshift(this.chunks[i]!);
      size += this.chunks[i]!.length;
    }
    const joined = Buffer.concat(last);
    return joined.subarray(joined.length - length);
  }

  private settle(result: SandboxCommandResult | Error): void {
    const pending = this.pending;
    if (pending === null) return;
    clearTimeout(pending.timer);
    this.pending = null;
    this.chunks = [];
    this.buffered = 0;
    if (result instanceof Error) pending.reject(result);
    else pending.resolve(result);
  }

  private ended(code: number | null, signal: NodeJS.Signals | null, error: Error | null): void {
    if (this.gone) return;
    this.gone = true;
    this.release();
    this.idleness.stop();
    const pending = this.pending;
    if (pending !== null) {
      if (error) this.settle(error);
      else if (pending.overflow) this.settle(new Error(`${pending.cmd.command} wrote more than ${pending.cmd.maxOutputBytes ?? DEFAULT_MAX_OUTPUT} bytes`));
      // As a sandbox of its own would have: bwrap's own failure (a bind that cannot be made) or the deadline.
      else
        this.settle({
          code: pending.timedOut ? null : code,
          signal: pending.timedOut ? 'SIGKILL' : signal,
          stdout: Buffer.alloc(0),
          stderr: this.workerStderr,
          timedOut: pending.timedOut,
        });
    }
    this.onGone(this);
  }

  private idle(): void {
    if (!this.gone) this.idleness.idle();
  }
}
