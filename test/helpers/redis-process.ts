import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diesWithWorker } from './daemon-process.js';

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

/** A free loopback port (the OS picks one; there is a small window before redis binds it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A real redis-server on a random loopback port with its data in a temp dir, for tests. It can
 * be stopped and started again on the same port and data (AOF on, so acknowledged writes
 * survive a restart, as docs/scaling.md asks of production).
 */
export class RedisProcess {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  /** On a given port (e.g. one a server was told to use before Redis existed). */
  static async startOn(port: number): Promise<RedisProcess> {
    const redis = new RedisProcess(port, await mkdtemp(join(tmpdir(), 'redis-test-')));
    await redis.resume();
    return redis;
  }

  static async start(): Promise<RedisProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
    for (let attempt = 0; ; attempt++) {
      const redis = new RedisProcess(await freePort(), dir);
      try {
        await redis.resume();
        return redis;
      } catch (error) {
        if (attempt >= 4) throw error;
      }
    }
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A fresh key prefix, so tests sharing one server never see each other's keys. */
  static prefix(): string {
    return `test-${randomBytes(6).toString('hex')}`;
  }

  /** Starts (again) and waits until it answers PING. */
  async resume(): Promise<void> {
    // Under setpriv --pdeathsig, a test worker that dies (a timeout, a crash) takes its Redis with it.
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
    ];
    const child = spawn(...diesWithWorker(REDIS_SERVER_BIN, args), { stdio: 'ignore' });
    this.child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`))));
    exited.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (await Promise.race([answersPing(this.port), exited])) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error('redis-server did not start');
  }

  /** Stops it (SIGTERM: it writes its AOF and exits) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Sends a signal (SIGSTOP freezes it: connected but never answering; SIGCONT thaws it). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  async close(): Promise<void> {
    await this.stop('SIGKILL');
    await rm(this.dir, { recursive: true, force: true });
  }
}
