import { createHash } from 'node:crypto';
import { DomainError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Store } from '../storage/store.js';
import type { SubmitTaskRequest } from '../tasks/submit-request.js';
import type { TaskService } from '../tasks/task-service.js';
import { isTerminal } from '../tasks/task-types.js';
import { externalId, internalId, type Tenant } from '../tenancy/tenant.js';
import type { ScheduleMetrics } from './schedule-metrics.js';
import type { ScheduleStore } from './schedule-store.js';
import type { Schedule, ScheduleSkip } from './schedule-types.js';

/**
 * Refusals that say nothing about the tick, only about this moment (the server is stopping,
 * storage fails): the tick is left due, to be fired late by the next pass, instance or start.
 */
const TRANSIENT_REFUSALS: ReadonlySet<string> = new Set(['SHUTTING_DOWN', 'STORAGE_UNAVAILABLE', 'STORAGE_FULL']);

export class TickDeferred extends Error {
  constructor(readonly code: string) {
    super(`Tick deferred: ${code}`);
    this.name = 'TickDeferred';
  }
}

/** What one tick came to: a task (started now, or by an earlier attempt at the same tick), or a skip. */
export type FireOutcome = { fired: true; taskId: string; firedAt: string } | { fired: false; skip: ScheduleSkip };

export interface ScheduleFiringDeps {
  schedules: ScheduleStore;
  store: Pick<Store, 'getTask' | 'getSession'>;
  tasks: Pick<TaskService, 'submit' | 'interrupt'>;
  tenantOf: (tenantId: string) => Tenant | undefined;
  metrics: ScheduleMetrics;
  logger: Logger;
  now: () => Date;
}

const MAX_ID = 128;

/**
 * The task id of a schedule's tick: the schedule and the tick, so that every attempt at one tick
 * (a retry, a restarted server, a second instance) names the same task, and the store's
 * insert-if-absent lets exactly one of them create it. Long schedule ids are hashed to fit.
 */
export function runTaskId(clientScheduleId: string, tick: Date): string {
  const stamp = tick
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.000Z$/, 'Z')
    .replace('.', '_');
  const id = `sched_${clientScheduleId}_${stamp}`;
  if (id.length <= MAX_ID) return id;
  const digest = createHash('sha256').update(clientScheduleId).digest('hex').slice(0, 32);
  return `sched_${digest}_${stamp}`;
}

/** Starts the task of one tick, keeping the schedule's overlap policy. A refusal is a skip; a transient one (TickDeferred) is thrown, leaving the tick due. */
export class ScheduleFiring {
  constructor(private readonly deps: ScheduleFiringDeps) {}

  async fire(schedule: Schedule, tick: Date): Promise<FireOutcome> {
    const firedAt = tick.toISOString();
    const skip = (reason: ScheduleSkip['reason'], detail: string | null): FireOutcome => ({ fired: false, skip: this.skipped(schedule, tick, reason, detail) });
    const tenant = this.deps.tenantOf(schedule.tenant_id);
    if (!tenant) return skip('refused', `the tenant ${schedule.tenant_id} is no longer configured`);
    const clientTaskId = runTaskId(externalId(schedule.schedule_id), tick);
    const taskId = internalId(tenant.id, clientTaskId);
    try {
      const earlier = await this.deps.store.getTask(taskId);
      if (earlier && earlier.schedule_id === schedule.schedule_id) return await this.recorded(schedule, taskId, firedAt);
      const previous = await this.previousUnfinished(schedule);
      if (previous !== null) {
        if (schedule.overlap === 'skip') return skip('overlap', `task ${externalId(previous)} is still queued or running`);
        if (schedule.overlap === 'replace') await this.interrupt(tenant, previous);
      }
      const body = await this.bodyOf(schedule, tenant, clientTaskId);
      const { created } = await this.deps.tasks.submit(tenant, body, undefined, { schedule_id: schedule.schedule_id });
      if (created) {
        this.deps.metrics.fires.inc();
        this.deps.metrics.lag.observe(Math.max(0, (this.deps.now().getTime() - tick.getTime()) / 1000));
        this.deps.logger.info('Schedule fired', { schedule_id: schedule.schedule_id, fired_at: firedAt, task_id: taskId });
      }
      return await this.recorded(schedule, taskId, firedAt);
    } catch (error) {
      // Another attempt at this tick stored its task first, under a template changed since.
      if (error instanceof DomainError && error.code === 'TASK_ID_CONFLICT') return await this.recorded(schedule, taskId, firedAt);
      if (error instanceof DomainError && TRANSIENT_REFUSALS.has(error.code)) throw new TickDeferred(error.code);
      if (error instanceof DomainError) return skip('refused', `${error.code}: ${error.message}`);
      this.deps.logger.warn('Schedule tick failed', { schedule_id: schedule.schedule_id, fired_at: firedAt, error: String(error) });
      return skip('error', error instanceof Error ? error.message : String(error));
    }
  }

  /** Counts and logs a tick that started no task. */
  skipped(schedule: Schedule, tick: Date, reason: ScheduleSkip['reason'], detail: string | null): ScheduleSkip {
    const firedAt = tick.toISOString();
    this.deps.metrics.skips.inc({ reason });
    this.deps.logger.info('Schedule tick skipped', { schedule_id: schedule.schedule_id, fired_at: firedAt, reason, detail });
    return { fired_at: firedAt, reason, detail };
  }

  private async recorded(schedule: Schedule, taskId: string, firedAt: string): Promise<FireOutcome> {
    await this.deps.schedules.recordRun({ schedule_id: schedule.schedule_id, task_id: taskId, fired_at: firedAt });
    return { fired: true, taskId, firedAt };
  }

  /** The schedule's latest run, if it has not finished. */
  private async previousUnfinished(schedule: Schedule): Promise<string | null> {
    const [latest] = await this.deps.schedules.listRuns(schedule.schedule_id, 1);
    if (!latest) return null;
    const task = await this.deps.store.getTask(latest.task_id);
    return task && !isTerminal(task.status) ? task.task_id : null;
  }

  private async interrupt(tenant: Tenant, taskId: string): Promise<void> {
    try {
      await this.deps.tasks.interrupt(tenant, externalId(taskId));
    } catch (error) {
      // It finished (or went) on its own meanwhile: nothing left to replace.
      if (!(error instanceof DomainError && (error.code === 'TASK_NOT_RUNNING' || error.code === 'TASK_NOT_FOUND'))) throw error;
    }
  }

  /** The template as a submission. Without reuse_existing, a named session is joined once the first firing has created it. */
  private async bodyOf(schedule: Schedule, tenant: Tenant, taskId: string): Promise<SubmitTaskRequest> {
    const { prompt, workspace, session_id, reuse_existing, options, webhook } = schedule.task;
    const body: SubmitTaskRequest = { task_id: taskId, prompt };
    if (workspace !== undefined) body.workspace = workspace;
    if (options !== undefined) body.options = options;
    if (webhook !== undefined) body.webhook = webhook;
    if (session_id !== undefined) {
      const reuse = reuse_existing ?? (await this.deps.store.getSession(internalId(tenant.id, session_id))) !== null;
      body.session = { session_id, reuse_existing: reuse };
    }
    return body;
  }
}
