import { DomainError } from '../../errors.js';

/**
 * The task queue port: where queued and running tasks are kept, shared by every instance that
 * uses the same backend. Two adapters implement it (in-process and Redis) and one contract suite
 * (test/contract/task-queue.contract.ts) holds both to these rules:
 *
 * - Bound: a tenant may hold at most `min(maxConcurrent, its cap) + queueMax` tasks (running,
 *   queued and reserved together); past that, `reserve` throws QueueFullError.
 * - Fair claim with priorities: among queued tasks that may start, the next one is the first by
 *   (1) its tenant's running tasks, fewest first; (2) its priority (0..9, default 5), highest
 *   first; (3) enqueue order, oldest first. Fair share across tenants comes before priority, so
 *   one tenant's flood of priority-9 tasks cannot starve another tenant: whenever the other
 *   tenant runs fewer tasks, its next task (whatever its priority) goes first. Priority orders a
 *   tenant's own tasks and breaks ties between tenants that run equally many. A task may not
 *   start while another task of its session runs (anywhere), while its tenant is at its cap, or
 *   while another instance holds the session's affinity window. A task that cannot start does
 *   not hold up the ones behind it, whatever their priority. Priority applies across a session's
 *   queued tasks too: a later priority-9 task of a session runs before its earlier priority-1 one.
 * - Priority is kept: claims, take-overs and `expired` report each task's priority, so a
 *   requeued task goes back with it (behind the tasks of that priority already queued).
 * - Leases: a claimed task is held under a lease with a fence token. Only the holder of the
 *   current fence can renew or finish it. A lease not renewed in time expires; `takeOver`
 *   gives it a new fence (exactly one caller wins), so the old holder is shut out.
 * - Slots per instance (SESSION_MAX_CONCURRENT) are the caller's business: an instance only
 *   calls `claim` while it has a free slot.
 */

export interface QueueItem {
  taskId: string;
  sessionId: string;
  tenantId: string;
  /** options.priority, 0..9; absent (or out of range) counts as 5. */
  priority?: number | undefined;
}

/** A task this instance now runs, with the fence token that proves it. */
export interface ClaimedTask extends QueueItem {
  fence: string;
}

/** Room held for one submission between its checks and its enqueue. */
export interface Reservation {
  readonly tenantId: string;
  readonly id: string;
}

/** Why another instance asked the task's holder to stop it. */
export type StopRequest = 'interrupted' | 'session_deleted';

export interface LeaseStatus {
  taskId: string;
  /** False: the lease expired or was taken over; the holder must stop and write nothing more. */
  held: boolean;
  /** A stop asked for on another instance, picked up with the renewal. */
  stopRequested: StopRequest | null;
}

/** Messages every instance receives: new work may be claimable, or something must stop. */
export type ControlMessage =
  | { type: 'wake' }
  | { type: 'stop'; taskId: string; reason: StopRequest }
  | { type: 'session-closed'; sessionId: string }
  | { type: 'permission-answer'; taskId: string; requestId: string; answer: RelayedPermissionAnswer };

/** A client's answer to a permission request, relayed to the instance whose task waits on it. */
export interface RelayedPermissionAnswer {
  decision: 'allow' | 'deny';
  message?: string | undefined;
  updated_input?: Record<string, unknown> | undefined;
}

export interface QueueLimits {
  /** SESSION_MAX_CONCURRENT of this instance. */
  maxConcurrent: number;
  /** TASK_QUEUE_MAX: waiting tasks a tenant may have beyond what it can run. */
  queueMax: number;
  /** Tenants' own caps on running tasks (their max_concurrent); absent means none. */
  tenantCaps: Readonly<Record<string, number>>;
  /** How long a claimed task's lease lasts without a renewal. */
  leaseMs: number;
  /** How long a finished task's session stays reserved for the instance that ran it. */
  affinityMs: number;
}

export interface TaskQueue {
  /** Whether several instances share this queue (then leases are renewed and reaped). */
  readonly shared: boolean;
  reserve(tenantId: string): Promise<Reservation>;
  /** Gives back a reservation that will not be enqueued (idempotent). */
  release(reservation: Reservation): Promise<void>;
  /** Puts a reserved task at the back of the queue and consumes the reservation. */
  enqueue(item: QueueItem, reservation: Reservation): Promise<void>;
  /** Puts a task back in the queue with no bound (start-up repair); no-op if it is known. */
  requeue(item: QueueItem): Promise<void>;
  /** The next task `instanceId` may start, now leased to it, or null. */
  claim(instanceId: string): Promise<ClaimedTask | null>;
  /** Removes a task that has not started. False if it is not queued (running, done, unknown). */
  cancel(taskId: string): Promise<boolean>;
  /** Extends the leases this instance holds, and reports the ones it lost and stop requests. */
  renew(leases: readonly ClaimedTask[]): Promise<LeaseStatus[]>;
  /** Ends a lease (the task finished). False when the fence is stale: someone else took it. */
  finish(task: ClaimedTask, keepAffinity: boolean): Promise<boolean>;
  /** Running tasks whose lease has expired. */
  expired(): Promise<QueueItem[]>;
  /** A new fence for an expired lease, held by `instanceId`; null if it is no longer expired. */
  takeOver(taskId: string, instanceId: string): Promise<ClaimedTask | null>;
  /** Asks the holder of a running task to stop it. False if the task is not running. */
  requestStop(taskId: string, reason: StopRequest): Promise<boolean>;
  /** Sends a message to every instance (this one included). */
  broadcast(message: ControlMessage): Promise<void>;
  onControl(listener: (message: ControlMessage) => void): void;
  /** Whether a task of this session is queued or running anywhere. */
  hasWorkFor(sessionId: string): Promise<boolean>;
  /** Whether the queue knows this task (queued or running). */
  knows(taskId: string): Promise<boolean>;
  counts(): Promise<{ queued: number; running: number }>;
  close(): Promise<void>;
}

/** A queue slot frees up within seconds: clients come back after this. */
const QUEUE_FULL_RETRY_AFTER_SECONDS = 5;

/** A tenant's share of the queue is full: the API answers 429 QUEUE_FULL with Retry-After. */
export class QueueFullError extends DomainError {
  constructor(
    readonly tenantId: string,
    readonly queued: number,
    readonly running: number,
  ) {
    super('QUEUE_FULL', 'Maximum concurrent sessions reached', { queued, running }, QUEUE_FULL_RETRY_AFTER_SECONDS);
    this.name = 'QueueFullError';
  }
}

/** How many tasks one tenant may hold at once (running + queued + reserved). */
export function tenantBound(limits: QueueLimits, tenantId: string): number {
  const cap = limits.tenantCaps[tenantId];
  return Math.min(limits.maxConcurrent, cap ?? limits.maxConcurrent) + limits.queueMax;
}
