import { createClient, ErrorReply, type RedisClientType } from 'redis';
import type { Logger } from '../../observability/logger.js';
import { StorageUnavailableError } from '../../storage/store.js';
import type { LuaScript } from './lua-script.js';
import { RedisSubscriber } from './redis-subscriber.js';

export interface RedisSettings {
  /** redis://[user:password@]host:port[/db] or rediss:// (TLS); overrides host and port. */
  url?: string | undefined;
  host: string;
  port: number;
  /** Prefix of every key, so several deployments can share one Redis. */
  prefix: string;
  /** Per-command deadline (ms): a frozen Redis must not hang requests forever. */
  commandTimeoutMs?: number;
  /** CLIENT SETNAME base (`<name>:main`, `<name>:sub`), so an operator can tell whose connections CLIENT LIST shows. */
  clientName?: string;
}

export interface RedisHealth {
  up: boolean;
  /** Why it is down (null while up). */
  reason: string | null;
}

export type RedisClient = RedisClientType;

const MAX_BACKOFF_MS = 2_000;
const PROBE_INTERVAL_MS = 1_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

/** Retry forever, backing off to 2 s with jitter: Redis coming back must heal us without a restart. */
export function reconnectDelay(retries: number): number {
  const base = Math.min(50 * 2 ** Math.min(retries, 10), MAX_BACKOFF_MS);
  return Math.round(base / 2 + Math.random() * (base / 2));
}

/**
 * The instance's Redis: one connection shared by everything (store, transcripts, tickets, rate
 * limit, uids, queue), plus one subscribed connection shared by the event bus and the queue's
 * control channel. One reconnect policy for both. It never throws from a connection error:
 * it logs, reports itself down through `health()`, and keeps reconnecting. Commands sent while
 * it is down fail at once (no offline queue) and callers see a StorageUnavailableError, which
 * the API turns into 503 STORAGE_UNAVAILABLE with Retry-After.
 */
export class RedisConnection {
  private state: RedisHealth = { up: false, reason: 'connecting' };
  private readonly listeners = new Set<(health: RedisHealth) => void>();
  private subscribed: { client: RedisClient; ready: Promise<RedisSubscriber> } | null = null;
  private closed = false;
  private probe: NodeJS.Timeout | undefined;

  private constructor(
    readonly client: RedisClient,
    readonly settings: RedisSettings,
    private readonly logger: Logger,
  ) {}

  /** Connects, waiting (and retrying) until Redis answers, so an instance never starts half-wired. */
  static async open(settings: RedisSettings, logger: Logger): Promise<RedisConnection> {
    const connection = new RedisConnection(createRedisClient(settings, 'main'), settings, logger);
    connection.watch(connection.client, 'main');
    await connection.client.connect();
    return connection;
  }

  get prefix(): string {
    return this.settings.prefix;
  }

  health(): RedisHealth {
    return { ...this.state };
  }

  /** Called on every up/down change (e.g. to wake event subscribers after an outage). */
  onHealthChange(listener: (health: RedisHealth) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Throws StorageUnavailableError while the connection is down, before a request does any work. */
  assertUp(): void {
    if (!this.client.isReady) throw new StorageUnavailableError(`Redis is unreachable (${this.state.reason ?? 'not connected'})`);
  }

  /** The subscribed connection, opened on first use and closed with this one. */
  subscriber(): Promise<RedisSubscriber> {
    if (this.subscribed === null) {
      const client = createRedisClient(this.settings, 'sub');
      const subscriber = new RedisSubscriber(client, this.logger);
      this.subscribed = { client, ready: client.connect().then(() => subscriber) };
    }
    return this.subscribed.ready;
  }

  /** One command (e.g. ['ZCARD', key]) through run(). */
  command<T = unknown>(args: readonly (string | number)[]): Promise<T> {
    return this.run((c) => c.sendCommand(args.map(String)) as Promise<T>);
  }

  /** One Lua script through run(). */
  script<T = unknown>(script: LuaScript, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
    return this.run((c) => script.run(c, keys, args) as Promise<T>);
  }

  /** Runs a Redis call, turning connection failures into StorageUnavailableError. */
  async run<T>(call: (client: RedisClient) => Promise<T>): Promise<T> {
    this.assertUp();
    try {
      const result = await this.withDeadline(call(this.client));
      if (!this.state.up && this.client.isReady) this.set({ up: true, reason: null });
      return result;
    } catch (error) {
      const mapped = asStorageError(error);
      // Connected but not answering (a frozen or overloaded Redis): degraded until a command succeeds.
      if (mapped instanceof StorageUnavailableError && this.client.isReady && this.state.up) {
        this.set({ up: false, reason: mapped.reason });
        this.probeUntilUp();
      }
      throw mapped;
    }
  }

  /**
   * node-redis times out only commands still waiting to be written; one already sent to a
   * frozen Redis would wait forever. The command may still land later: callers see 503, and
   * every write here is safe to retry.
   */
  private async withDeadline<T>(command: Promise<T>): Promise<T> {
    const ms = this.settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StorageUnavailableError(`Redis did not answer within ${ms} ms`)), ms);
    });
    command.catch(() => undefined);
    try {
      return await Promise.race([command, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** While degraded on a live socket, nothing else may send a command (the load balancer stops): ping until it answers. */
  private probeUntilUp(): void {
    if (this.probe) return;
    this.probe = setInterval(() => {
      if (this.closed || this.state.up) {
        clearInterval(this.probe);
        this.probe = undefined;
        return;
      }
      this.run((c) => c.ping()).catch(() => undefined);
    }, PROBE_INTERVAL_MS);
    this.probe.unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probe);
    for (const client of [...(this.subscribed ? [this.subscribed.client] : []), this.client]) {
      try {
        if (client.isOpen) await client.close();
      } catch {
        client.destroy();
      }
    }
  }

  private watch(client: RedisClient, name: string): void {
    client.on('ready', () => this.set({ up: true, reason: null }));
    client.on('error', (error: Error) => this.set({ up: false, reason: error.message || error.name }));
    client.on('reconnecting', () => {
      if (this.state.up) this.set({ up: false, reason: 'reconnecting' });
    });
    client.on('end', () => this.set({ up: false, reason: this.closed ? 'closed' : `${name} connection ended` }));
  }

  private set(next: RedisHealth): void {
    const changed = next.up !== this.state.up;
    // Keep the first reason of an outage: later ones are usually the reconnect attempts failing.
    if (!changed && !next.up && this.state.reason !== 'connecting' && this.state.reason !== 'reconnecting') return;
    const firstFailure = !changed && this.state.reason === 'connecting' && !this.closed;
    this.state = next;
    // Started while Redis is unreachable: say so once, then keep trying.
    if (firstFailure) this.logger.warn('Waiting for Redis', { reason: next.reason });
    if (!changed) return;
    if (next.up) this.logger.info('Redis connection up');
    else if (!this.closed) this.logger.warn('Redis connection down', { reason: next.reason });
    for (const listener of this.listeners) listener({ ...next });
  }
}

function createRedisClient(settings: RedisSettings, role: 'main' | 'sub'): RedisClient {
  const client = createClient({
    ...(settings.url !== undefined ? { url: settings.url } : {}),
    ...(settings.clientName !== undefined ? { name: `${settings.clientName}:${role}`.replace(/\s/g, '_') } : {}),
    socket: {
      ...(settings.url === undefined ? { host: settings.host, port: settings.port } : {}),
      connectTimeout: 5_000,
      reconnectStrategy: (retries: number) => reconnectDelay(retries),
    },
    disableOfflineQueue: true,
    // Notices a half-open connection (peer gone without a FIN) within seconds.
    pingInterval: 5_000,
    commandOptions: { timeout: settings.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS },
  });
  return client as unknown as RedisClient;
}

/** What node-redis and Node raise when Redis cannot be reached or does not answer in time. */
const CONNECTION_ERRORS = new Set([
  'ClientOfflineError',
  'ClientClosedError',
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'TimeoutError',
  'ReconnectStrategyError',
  'DisconnectsClientError',
]);

/**
 * Replies that mean "not now" rather than "wrong": out of memory under noeviction, a replica
 * after a failover, loading its data at start, a busy script, no reachable primary.
 */
const UNAVAILABLE_REPLIES = /^(OOM|READONLY|LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/**
 * Connection failures (closed socket, timeout, offline) become StorageUnavailableError; a
 * server error reply (a script's refusal, WRONGTYPE...) and our own domain errors stay as
 * they are.
 */
export function asStorageError(error: unknown): unknown {
  if (error instanceof ErrorReply && UNAVAILABLE_REPLIES.test(error.message)) {
    return new StorageUnavailableError(`Redis refused the write (${error.message})`);
  }
  if (!(error instanceof Error) || error instanceof ErrorReply) return error;
  const code = (error as { code?: unknown }).code;
  if (CONNECTION_ERRORS.has(error.constructor.name) || CONNECTION_ERRORS.has(error.name) || (typeof code === 'string' && code.startsWith('E'))) {
    return new StorageUnavailableError(`Redis is unreachable (${error.message || error.name})`);
  }
  return error;
}
