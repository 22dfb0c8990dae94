import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { ChildIdleness } from './child-idleness.js';

/** A Node program, as source text, that the server keeps running in a tenant's sandbox (see ResidentProgram). */
export interface ResidentProgramSource {
  /** Names it in errors and keeps one process per program and tenant. */
  name: string;
  /**
   * Run with `node -e`: it reads one JSON request per line on stdin and writes one JSON line per
   * request on stdout, `{"answer": ...}` or `{"error": "..."}`, in order, and exits when stdin ends.
   */
  source: string;
}

export interface ResidentLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Called once the process is gone (its cgroup can go then). */
  release?: () => void;
}

/** An answer that never came: the program was too slow, said too much or died. */
export class ResidentProgramError extends Error {
  constructor(
    message: string,
    readonly timedOut = false,
    /** The process ended on its own (or was killed from outside) while the question was open. */
    readonly exited = false,
  ) {
    super(message);
  }
}

/** The most one answer line may hold: answers are short, and a tenant must not make the server buffer without bound. */
const MAX_ANSWER_BYTES = 1024 * 1024;

interface Pending {
  resolve: (answer: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * One long-lived process of a ResidentProgramSource, asked one question at a time (the caller
 * queues: see ResidentPrograms). Whatever goes wrong (a deadline, an answer too long or not JSON,
 * anything on stdout when nothing was asked) kills it; the next question starts a new one. It
 * holds nothing of the server's but its pipes, and runs with the environment it was launched with.
 */
export class ResidentProgram {
  private readonly child: ChildProcessWithoutNullStreams;
  private pending: Pending | null = null;
  private received: Buffer[] = [];
  private receivedBytes = 0;
  private stderr = '';
  private gone = false;
  private killed = false;
  private readonly idleness: ChildIdleness;
  private readonly release: () => void;

  constructor(
    private readonly program: ResidentProgramSource,
    launch: ResidentLaunch,
    idleMs: number,
    private readonly onGone: (program: ResidentProgram) => void,
  ) {
    this.release = launch.release ?? (() => undefined);
    this.child = spawn(launch.command, launch.args, { cwd: '/', env: launch.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.idleness = new ChildIdleness(this.child, idleMs);
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4096);
    });
    this.child.stdin.on('error', () => undefined);
    this.child.once('error', (error) => this.ended(`could not start: ${error.message}`));
    this.child.once('close', (code, signal) => this.ended(`exited (${code ?? signal})${this.stderr ? `: ${this.stderr.trim().split('\n').at(-1)}` : ''}`));
    this.idle();
  }

  /** Neither gone nor on its way out: a killed process takes no question while its exit is pending. */
  get alive(): boolean {
    return !this.gone && !this.killed && !this.idleness.retired;
  }

  /** The program's answer to `request`; rejects with a ResidentProgramError when none comes in time. */
  ask(request: object, timeoutMs: number): Promise<unknown> {
    if (!this.alive || this.pending !== null) return Promise.reject(new ResidentProgramError(`${this.program.name} is not available`));
    this.idleness.busy();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new ResidentProgramError(`${this.program.name} did not answer within ${timeoutMs} ms`, true)), timeoutMs);
      this.pending = { resolve, reject, timer };
      this.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  kill(): void {
    this.killed = true;
    if (!this.gone) this.child.kill('SIGKILL');
  }

  private receive(chunk: Buffer): void {
    if (this.killed) return;
    if (this.pending === null) return this.fail(new ResidentProgramError(`${this.program.name} wrote when nothing was asked`));
    const end = chunk.indexOf(0x0a);
    this.receivedBytes += end === -1 ? chunk.length : end;
    if (this.receivedBytes > MAX_ANSWER_BYTES)
      return this.fail(new ResidentProgramError(`${this.program.name} answered with more than ${MAX_ANSWER_BYTES} bytes`));
    if (end === -1) return void this.received.push(chunk);
    // One request, one line: anything after it is a second answer nobody asked for.
    if (end !== chunk.length - 1) return this.fail(new ResidentProgramError(`${this.program.name} wrote when nothing was asked`));
    const line = Buffer.concat([...this.received, chunk.subarray(0, end)]).toString('utf8');
    this.received = [];
    this.receivedBytes = 0;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return this.fail(new ResidentProgramError(`${this.program.name} answered with something other than JSON`));
    }
    const { answer, error } = (typeof message === 'object' && message !== null ? message : {}) as { answer?: unknown; error?: unknown };
    if (typeof error !== 'string' && answer === undefined)
      return this.fail(new ResidentProgramError(`${this.program.name} answered with neither an answer nor an error`));
    const pending = this.settle();
    if (typeof error === 'string') pending?.reject(new ResidentProgramError(`${this.program.name}: ${error}`));
    else pending?.resolve(answer);
    this.idle();
  }

  private settle(): Pending | null {
    const pending = this.pending;
    if (pending) clearTimeout(pending.timer);
    this.pending = null;
    return pending;
  }

  private fail(error: ResidentProgramError): void {
    this.settle()?.reject(error);
    this.kill();
  }

  private ended(why: string): void {
    if (this.gone) return;
    this.gone = true;
    this.release();
    this.idleness.stop();
    this.settle()?.reject(new ResidentProgramError(`${this.program.name} ${why}`, false, true));
    this.onGone(this);
  }

  private idle(): void {
    if (!this.gone) this.idleness.idle();
  }
}
