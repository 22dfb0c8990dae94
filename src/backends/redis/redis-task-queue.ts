import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import * as lua from './redis-queue-scripts.js';
import {
  QueueFullError,
  tenantBound,
  type ClaimedTask,
  type ControlMessage,
  type LeaseStatus,
  type QueueItem,
  type QueueLimits,
  type Reservation,
  type StopRequest,
  type TaskQueue,
} from '../../tasks/queue/task-queue.js';
import { priorityOf } from '../../tasks/queue/priority.js';

/** How long an unfinished submission holds its room; a crashed submitter's room comes back. */
const RESERVATION_TTL_MS = 60_000;
/** A fence outlives its task long enough that a late writer is still refused. */
const FENCE_TTL_MS = 7 * 24 * 3_600_000;

/** The contract-D fence key of one task, in the task's own hash slot (the store's scripts read it). */
export function fenceKey(prefix: string, taskId: string): string {
  return new RedisKeys(prefix).fence(taskId);
}

/**
 * The shared queue on Redis. Key layout (prefix `ccs` by default):
 *
 *   {ccs:q}:seq             counter: FIFO order and fence numbers
 *   {ccs:q}:queued          zset  taskId → enqueue order
 *   {ccs:q}:sq:<session>    zset  taskId → (9 - priority) * 1e12 + enqueue order (claim order)
 *   {ccs:q}:tq:<tenant>     zset  session → score of its sq head (the tenant's sessions with work)
 *   {ccs:q}:tq-ready        string set once every queued task is in its sq and tq zsets
 *   {ccs:q}:items           hash  taskId → [tenant, session, priority] (queued and running)
 *   {ccs:q}:running         zset  taskId → lease expiry (ms, Redis clock)
 *   {ccs:q}:fences          hash  taskId → current fence token
 *   {ccs:q}:tenant-running  hash  tenant → running count
 *   {ccs:q}:tenant-queued   hash  tenant → queued count
 *   {ccs:q}:reserved:<t>    zset  reservation → expiry
 *   {ccs:q}:sessions        hash  session → running taskId
 *   {ccs:q}:session-queued  hash  session → queued count
 *   {ccs:q}:aff:<session>   string instanceId (PX affinity window)
 *   {ccs:q}:stop            hash  taskId → requested stop reason
 *   {ccs:t:<id>}:fence      string current fence (contract D; read by the store's scripts)
 *
 * Fair claim must compare every tenant's running count and every session's state in one atomic
 * step, so all queue keys share one hash tag. Claim reads the tenants with queued work and each
 * one's tq zset from its head, stepping over busy sessions (see queue-claim.lua for its cost). The fence key lives in the task's own tag, beside
 * the record and events whose write scripts check it, so claim and take-over set it in a second
 * step, after the lease itself has changed hands; until then nobody else holds a fence for that
 * task. One Redis primary is required, not Cluster (docs/scaling.md says why).
 */
export class RedisTaskQueue implements TaskQueue {
  readonly shared = true;
  private readonly q: string;
  private readonly channel: string;
  private readonly listeners: ((message: ControlMessage) => void)[] = [];
  private subscribed: Promise<void> | null = null;

  /** `redis` is the instance's shared connection; the queue never closes it. */
  constructor(
    private readonly redis: RedisConnection,
    private readonly limits: QueueLimits,
    private readonly prefix = redis.prefix,
  ) {
    this.q = `{${prefix}:q}`;
    this.channel = `${prefix}:control`;
  }

  private key(name: string): string {
    return `${this.q}:${name}`;
  }

  async reserve(tenantId: string): Promise<Reservation> {
    const id = randomUUID();
    const [ok, queued, running] = await this.redis.script<[number, number, number]>(
      lua.RESERVE,
      [this.key('tenant-running'), this.key('tenant-queued'), this.key(`reserved:${tenantId}`), this.key('queued'), this.key('running')],
      [tenantId, id, tenantBound(this.limits, tenantId), RESERVATION_TTL_MS, tenantBound(this.limits, tenantId) - this.limits.queueMax],
    );
    if (ok !== 1) throw new QueueFullError(tenantId, queued, running);
    return { tenantId, id };
  }

  async release(reservation: Reservation): Promise<void> {
    await this.redis.command(['ZREM', this.key(`reserved:${reservation.tenantId}`), reservation.id]);
  }

  async enqueue(item: QueueItem, reservation: Reservation): Promise<void> {
    await this.add(item, reservation.id);
  }

  async requeue(item: QueueItem): Promise<void> {
    await this.add(item, '');
  }

  private async add(item: QueueItem, reservationId: string): Promise<void> {
    const keys = ['seq', 'queued', 'items', 'tenant-queued', 'session-queued'].map((k) => this.key(k));
    await this.redis.script(
      lua.ENQUEUE,
      [...keys, this.key(`reserved:${item.tenantId}`)],
      [item.taskId, item.tenantId, item.sessionId, reservationId, priorityOf(item), this.key('tq:'), this.key('sq:')],
    );
    await this.broadcast({ type: 'wake' });
  }

  async claim(instanceId: string): Promise<ClaimedTask | null> {
    const keys = ['seq', 'queued', 'items', 'running', 'fences', 'tenant-running', 'tenant-queued', 'sessions', 'session-queued'].map((k) => this.key(k));
    const reply = await this.redis.script<[string, string, string, string, number] | null>(lua.CLAIM, keys, [
      instanceId,
      this.limits.leaseMs,
      JSON.stringify(this.limits.tenantCaps),
      this.key('aff:'),
      this.key('tq:'),
      this.key('tq-ready'),
      this.key('sq:'),
    ]);
    if (!reply) return null;
    const [taskId, tenantId, sessionId, fence, priority] = reply;
    await this.setFence(taskId, fence);
    return { taskId, tenantId, sessionId, priority: Number(priority), fence };
  }

  async cancel(taskId: string): Promise<boolean> {
    const keys = ['queued', 'items', 'tenant-queued', 'session-queued'].map((k) => this.key(k));
    return (await this.redis.script<number>(lua.CANCEL, keys, [taskId, this.key('tq:'), this.key('sq:')])) === 1;
  }

  async renew(leases: readonly ClaimedTask[]): Promise<LeaseStatus[]> {
    if (leases.length === 0) return [];
    const args = leases.flatMap((l) => [l.taskId, l.fence]);
    const reply = await this.redis.script<(string | null)[]>(
      lua.RENEW,
      [this.key('running'), this.key('fences'), this.key('stop')],
      [this.limits.leaseMs, ...args],
    );
    return leases.map((lease, i) => {
      const stop = reply[i];
      if (stop === null || stop === undefined) return { taskId: lease.taskId, held: false, stopRequested: null };
      return { taskId: lease.taskId, held: true, stopRequested: stop === '' ? null : (stop as StopRequest) };
    });
  }

  async finish(task: ClaimedTask, keepAffinity: boolean): Promise<boolean> {
    const keys = ['running', 'fences', 'tenant-running', 'sessions', 'stop', 'items'].map((k) => this.key(k));
    const instanceId = task.fence.slice(0, task.fence.lastIndexOf(':'));
    const affinityMs = keepAffinity ? this.limits.affinityMs : 0;
    const done = (await this.redis.script<number>(lua.FINISH, keys, [task.taskId, task.fence, affinityMs, instanceId, this.key('aff:')])) === 1;
    if (done) await this.broadcast({ type: 'wake' });
    return done;
  }

  async expired(): Promise<QueueItem[]> {
    const flat = await this.redis.script<string[]>(lua.EXPIRED, [this.key('running'), this.key('items')], []);
    const items: QueueItem[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      items.push({ taskId: flat[i]!, tenantId: flat[i + 1]!, sessionId: flat[i + 2]!, priority: Number(flat[i + 3]) });
    }
    return items;
  }

  async takeOver(taskId: string, instanceId: string): Promise<ClaimedTask | null> {
    const keys = ['seq', 'running', 'fences', 'items'].map((k) => this.key(k));
    const reply = await this.redis.script<[string, string, string, string, number] | null>(lua.TAKE_OVER, keys, [taskId, instanceId, this.limits.leaseMs]);
    if (!reply) return null;
    const [, tenantId, sessionId, fence, priority] = reply;
    await this.setFence(taskId, fence);
    return { taskId, tenantId, sessionId, priority: Number(priority), fence };
  }

  async requestStop(taskId: string, reason: StopRequest): Promise<boolean> {
    const running = (await this.redis.script<number>(lua.REQUEST_STOP, [this.key('running'), this.key('stop')], [taskId, reason])) === 1;
    if (running) await this.broadcast({ type: 'stop', taskId, reason });
    return running;
  }

  async broadcast(message: ControlMessage): Promise<void> {
    await this.redis.command(['PUBLISH', this.channel, JSON.stringify(message)]);
  }

  onControl(listener: (message: ControlMessage) => void): void {
    this.listeners.push(listener);
    this.subscribed ??= this.subscribe((raw) => {
      let message: ControlMessage;
      try {
        message = JSON.parse(raw) as ControlMessage;
      } catch {
        return;
      }
      for (const l of this.listeners) l(message);
    });
  }

  /** Resolves once control messages are being received (tests wait on it). */
  async ready(): Promise<void> {
    await this.subscribed;
  }

  async hasWorkFor(sessionId: string): Promise<boolean> {
    const [busy, queued] = await Promise.all([
      this.redis.command<number>(['HEXISTS', this.key('sessions'), sessionId]),
      this.redis.command<string | null>(['HGET', this.key('session-queued'), sessionId]),
    ]);
    return busy === 1 || Number(queued ?? 0) > 0;
  }

  async knows(taskId: string): Promise<boolean> {
    return (await this.redis.command<number>(['HEXISTS', this.key('items'), taskId])) === 1;
  }

  async counts(): Promise<{ queued: number; running: number }> {
    const [queued, running] = await Promise.all([
      this.redis.command<number>(['ZCARD', this.key('queued')]),
      this.redis.command<number>(['ZCARD', this.key('running')]),
    ]);
    return { queued, running };
  }

  /** Stops delivering control messages; the connection belongs to the backend. */
  async close(): Promise<void> {
    this.listeners.length = 0;
  }

  private async subscribe(listener: (raw: string) => void): Promise<void> {
    await (await this.redis.subscriber()).subscribe(this.channel, listener);
  }

  private async setFence(taskId: string, fence: string): Promise<void> {
    await this.redis.command(['SET', fenceKey(this.prefix, taskId), fence, 'PX', String(FENCE_TTL_MS)]);
  }
}
