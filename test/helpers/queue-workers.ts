import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { RedisConnection } from '../../src/backends/redis/redis-connection.js';
import { RedisTaskQueue } from '../../src/backends/redis/redis-task-queue.js';
import { createLogger } from '../../src/observability/logger.js';
import { diesWithWorker, REPO_ROOT } from './daemon-process.js';
import type { RedisServer } from './redis-server.js';

const WORKER = path.join(REPO_ROOT, 'dist/src/dev/queue-worker.js');

export interface QueueWorker {
  id: string;
  child: ChildProcess;
  output(): string;
  lines(kind: string): string[];
  exited: Promise<number | null>;
}

/** Agent-free instances of the control plane (src/dev/queue-worker.ts), each its own process. */
export class QueueCluster {
  readonly workers: QueueWorker[] = [];
  private constructor(
    readonly redis: RedisConnection,
    readonly queue: RedisTaskQueue,
    private readonly server: RedisServer,
    private readonly leaseMs: number,
    readonly prefix: string,
  ) {}

  static async open(server: RedisServer, leaseMs: number): Promise<QueueCluster> {
    const prefix = `scale-${randomBytes(4).toString('hex')}`;
    const redis = await RedisConnection.open({ url: server.url, host: '', port: 0, prefix }, createLogger({ level: 'ERROR', sink: () => undefined }));
    const cluster = new QueueCluster(redis, null as unknown as RedisTaskQueue, server, leaseMs, prefix);
    const queue = new RedisTaskQueue(redis, { maxConcurrent: 1000, queueMax: 100_000, tenantCaps: {}, leaseMs, affinityMs: 0 });
    (cluster as { queue: RedisTaskQueue }).queue = queue;
    return cluster;
  }

  async startWorker(id: string, env: Record<string, string> = {}): Promise<QueueWorker> {
    const child = spawn(...diesWithWorker(process.execPath, [WORKER]), {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        REDIS_URL: this.server.url,
        QUEUE_PREFIX: this.prefix,
        INSTANCE_ID: id,
        LEASE_MS: String(this.leaseMs),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const worker: QueueWorker = {
      id,
      child,
      output: () => out,
      lines: (kind) =>
        out
          .split('\n')
          .filter((l) => l.startsWith(`${kind} `))
          .map((l) => l.slice(kind.length + 1)),
      exited,
    };
    this.workers.push(worker);
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`worker ${id} exited: ${out}`);
      return out.includes(`READY ${id}`);
    }, `worker ${id} to start`);
    return worker;
  }

  async submit(taskId: string, sessionId = `s-${taskId}`, tenantId = 't'): Promise<void> {
    await this.queue.enqueue({ taskId, sessionId, tenantId }, await this.queue.reserve(tenantId));
  }

  log(taskId: string): Promise<string[]> {
    return this.redis.command<string[]>(['LRANGE', `{${this.prefix}:t:${taskId}}:log`, '0', '-1']);
  }

  outcome(taskId: string): Promise<string | null> {
    return this.redis.command<string | null>(['GET', `{${this.prefix}:t:${taskId}}:outcome`]);
  }

  violations(): Promise<string[]> {
    return this.redis.command<string[]>(['LRANGE', `${this.prefix}:violations`, '0', '-1']);
  }

  /** Waits until every task has an outcome; returns them by task id. */
  async outcomes(taskIds: readonly string[], what = 'every task to reach an outcome'): Promise<Record<string, string>> {
    return eventually(async () => {
      const values = await Promise.all(taskIds.map((id) => this.outcome(id).catch(() => null)));
      if (values.some((v) => v === null)) return null;
      return Object.fromEntries(taskIds.map((id, i) => [id, values[i]!]));
    }, what);
  }

  async close(): Promise<void> {
    for (const worker of this.workers) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGCONT');
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
    }
    await this.queue.close().catch(() => undefined);
    await this.redis.close();
  }
}

export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
