import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RedisServer {
  port: number;
  url: string;
  dir: string;
  /** Stops the server the hard way or the polite way; data on disk (AOF) stays. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

export const REDIS_SERVER = '/usr/bin/redis-server';

/** A real redis-server on a random loopback port, its data in a fresh temporary directory. */
export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-redis-'));
  let child: ChildProcess | null = null;
  let port = 0;

  const launch = async (fixedPort?: number): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const candidate = fixedPort ?? 30000 + Math.floor(Math.random() * 20000);
      const proc = spawn(
        REDIS_SERVER,
        [
          '--port',
          String(candidate),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          'yes',
          '--appendfsync',
          'everysec',
          '--maxmemory-policy',
          'noeviction',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const ready = await new Promise<boolean>((resolve) => {
        const check = setInterval(() => {
          if (out.includes('Ready to accept connections')) finish(true);
        }, 20);
        const finish = (ok: boolean): void => {
          clearInterval(check);
          resolve(ok);
        };
        proc.once('exit', () => finish(false));
      });
      if (ready) {
        child = proc;
        port = candidate;
        return;
      }
      if (fixedPort !== undefined) await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('redis-server did not start');
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  };

  await launch();
  return {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    dir,
    stop,
    restart: () => launch(port),
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
