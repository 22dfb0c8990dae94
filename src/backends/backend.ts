import type { FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { SharedUidAllocator } from '../agent/isolation/tenant-uids.js';
import type { EventBus } from '../events/event-bus.js';
import type { ScheduleStore } from '../schedules/schedule-store.js';
import type { Store } from '../storage/store.js';
import type { TranscriptStore } from '../storage/transcript-store.js';
import type { TaskQueue } from '../tasks/queue/task-queue.js';
import type { WsTickets } from '../tenancy/ws-tickets.js';
import type { TriggerStore } from '../triggers/trigger-types.js';
import type { SecretStore } from '../secrets/secret-types.js';

export type BackendKind = 'memory' | 'sqlite' | 'redis';

/** Whether the backend's own link is up (Redis reachable); a local backend is always up. */
export interface BackendHealth {
  up: boolean;
  /** Why it is down (null while up). */
  reason: string | null;
}

/**
 * Everything that depends on STORAGE_TYPE, opened together by openBackend(). Memory and SQLite
 * serve one instance; Redis lets several instances share tasks, events, tickets, rate-limit
 * budgets and tenant uids over one connection (plus one subscribed connection).
 */
export interface Backend {
  readonly kind: BackendKind;
  store: Store;
  transcripts: TranscriptStore;
  tickets: WsTickets;
  /** Wakes event readers on other instances; null when only this instance appends. */
  bus: EventBus | null;
  /** The task queue: in-process for one instance, shared on Redis. */
  queue: TaskQueue;
  /** For @fastify/rate-limit's `store` option (one budget per caller across instances); null: in memory. */
  rateLimitStore: FastifyRateLimitStoreCtor | null;
  /** Hands out tenant uids once for the whole deployment; null: each instance counts from UID base. */
  uids: SharedUidAllocator | null;
  /** Schedules and their runs, and the lease that picks the one instance that fires them. */
  schedules: ScheduleStore;
  /** Triggers and their fire budgets: in this process, in the SQLite file, or shared on Redis. */
  triggers: TriggerStore;
  /** Tenant secrets (ciphertext only): in this process, in the SQLite file, or shared on Redis. */
  secrets: SecretStore;
  health(): BackendHealth;
  /** Closes what it opened (queue, store, transcripts, connections); safe to call after the store's own close. */
  close(): Promise<void>;
}

export interface BackendOptions {
  /**
   * The fencing token this instance holds for a task (contract D), or null to write without one.
   * The Redis store passes it with every write of a task's record, events or diff.
   */
  fenceFor?: (taskId: string) => string | null;
}
