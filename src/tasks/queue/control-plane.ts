import type { Config } from '../../config.js';
import type { EventLog } from '../../events/event-log.js';
import type { Logger } from '../../observability/logger.js';
import type { SessionService } from '../../sessions/session-service.js';
import type { TranscriptGuard } from '../../sessions/transcript-guard.js';
import type { Store } from '../../storage/store.js';
import type { Tenant } from '../../tenancy/tenant.js';
import { recoverAfterRestart } from '../recovery.js';
import { Scheduler } from '../scheduler.js';
import type { TaskExecutor } from '../task-executor.js';
import type { TaskFinisher } from '../task-finisher.js';
import { queueLimits } from './queue-limits.js';
import type { FenceRegistry } from './fence-registry.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LeaseReaper } from './lease-reaper.js';
import { lostTaskSettler } from './settle-lost-task.js';
import type { TaskQueue } from './task-queue.js';

export interface ControlPlane {
  scheduler: Scheduler;
  /** Recovery, then claiming, renewing and reaping begin. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Wires this instance's scheduler to the backend's queue and, on a shared queue, the lease
 * keeper and the reaper. One start and one close, so the composition root only composes.
 */
export async function createControlPlane(deps: {
  config: Config;
  tenants: readonly Tenant[];
  store: Store;
  events: EventLog;
  sessions: SessionService;
  finisher: TaskFinisher;
  executor: TaskExecutor;
  fences: FenceRegistry;
  /** The backend's queue; the backend closes it. */
  queue: TaskQueue;
  transcripts: TranscriptGuard;
  closeLiveProcess: (sessionId: string) => void;
  logger: Logger;
  now: () => Date;
}): Promise<ControlPlane> {
  const { config, store, events, sessions, finisher, executor, fences, queue, logger, now } = deps;
  const limits = queueLimits(config, deps.tenants);
  const scheduler = new Scheduler(queue, executor.execute, {
    instanceId: config.instanceId,
    maxConcurrent: config.sessions.maxConcurrent,
    pollMs: config.queue.pollMs,
    finishRetryMs: limits.leaseMs,
    fences,
    logger: logger.child('scheduler'),
  });
  const { transcripts } = deps;
  scheduler.onStopRequest((taskId, reason) => executor.stop(taskId, reason));
  scheduler.onSessionClosed((sessionId) => {
    transcripts.forget(sessionId);
    deps.closeLiveProcess(sessionId);
  });

  const keeper = queue.shared
    ? new LeaseKeeper({
        queue,
        leases: () => scheduler.localLeases(),
        onLost: (taskId) => executor.stop(taskId, 'lease_lost'),
        onStopRequested: (taskId, reason) => executor.stop(taskId, reason),
        leaseMs: limits.leaseMs,
        logger: logger.child('leases'),
      })
    : null;
  const reaper = queue.shared
    ? new LeaseReaper({
        queue,
        fences,
        instanceId: config.instanceId,
        intervalMs: Math.max(100, Math.floor(limits.leaseMs / 4)),
        logger: logger.child('leases'),
        isLocal: (taskId) => scheduler.runsHere(taskId),
        settle: lostTaskSettler({
          store,
          events,
          finisher,
          logger: logger.child('leases'),
          now,
          onSettled: async (task) => {
            const session = await store.getSession(task.session_id);
            if (session?.current_task_id === task.task_id) await sessions.markIdle(task.session_id);
          },
        }),
      })
    : null;

  return {
    scheduler,
    start: async () => {
      await recoverAfterRestart({ store, finisher, scheduler, logger: logger.child('recovery'), now });
      keeper?.start();
      reaper?.start();
      scheduler.start();
      await scheduler.pump();
    },
    close: async () => {
      scheduler.pause();
      keeper?.stop();
      await reaper?.stop();
      await scheduler.drained();
    },
  };
}
