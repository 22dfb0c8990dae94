import { DomainError } from '../errors.js';
import type { Store } from '../storage/store.js';
import { fingerprint } from '../tasks/request-fingerprint.js';
import type { TaskStatus } from '../tasks/task-types.js';
import { externalId, internalId, type Tenant } from '../tenancy/tenant.js';
import { checkCron, nextFireAfter } from './cron.js';
import type { ScheduleStore } from './schedule-store.js';
import type { CatchUpPolicy, OverlapPolicy, Schedule, ScheduleTaskTemplate } from './schedule-types.js';

/** A schedule as the API creates it, defaults applied. */
export interface ScheduleRequest {
  schedule_id?: string | undefined;
  cron: string;
  timezone: string;
  task: ScheduleTaskTemplate;
  overlap: OverlapPolicy;
  catch_up: CatchUpPolicy;
  enabled: boolean;
}

/** The fields a PATCH may change; `task` is replaced whole. */
export type ScheduleChanges = Partial<Omit<ScheduleRequest, 'schedule_id'>>;

export interface ScheduleRunView {
  task_id: string;
  fired_at: string;
  status: TaskStatus;
}

export interface ScheduleServiceDeps {
  schedules: ScheduleStore;
  tasks: Pick<Store, 'getTask'>;
  now: () => Date;
  newScheduleId: () => string;
  /** Refuses a task template that every firing would have refused (webhook, network allowlist, permission mode). */
  checkTemplate: (tenant: Tenant, template: ScheduleTaskTemplate) => Promise<void>;
  /** A schedule was created or changed here: the engine re-reads at once instead of at its next poll. */
  onChange?: () => void;
}

/** How many times a PATCH re-reads and retries when the firing loop wrote the schedule meanwhile. */
const WRITE_ATTEMPTS = 20;

/** Creating, reading, changing and deleting a tenant's schedules. Firing them is the engine's. */
export class ScheduleService {
  constructor(private readonly deps: ScheduleServiceDeps) {}

  async create(tenant: Tenant, request: ScheduleRequest): Promise<{ schedule: Schedule; created: boolean }> {
    const { schedule_id: clientId, ...rest } = request;
    const requestHash = fingerprint(rest);
    const scheduleId = internalId(tenant.id, clientId ?? this.deps.newScheduleId());
    if (clientId !== undefined) {
      const existing = await this.deps.schedules.getSchedule(scheduleId);
      if (existing) return { schedule: this.replay(existing, requestHash), created: false };
    }
    const now = this.deps.now();
    checkCron(rest.cron, rest.timezone, now);
    await this.deps.checkTemplate(tenant, rest.task);
    const at = now.toISOString();
    const schedule: Schedule = {
      schedule_id: scheduleId,
      tenant_id: tenant.id,
      cron: rest.cron,
      timezone: rest.timezone,
      task: rest.task,
      overlap: rest.overlap,
      catch_up: rest.catch_up,
      enabled: rest.enabled,
      created_at: at,
      updated_at: at,
      next_fire_at: rest.enabled ? nextIso(rest.cron, rest.timezone, now) : null,
      last_fired_at: null,
      last_skip: null,
      request_hash: requestHash,
      version: 1,
    };
    const inserted = await this.deps.schedules.insertSchedule(schedule);
    if (!inserted.inserted) return { schedule: this.replay(inserted.schedule, requestHash), created: false };
    this.deps.onChange?.();
    return { schedule: inserted.schedule, created: true };
  }

  /** A tenant's schedule by the id the client knows; another tenant's answers exactly like a missing one. */
  async get(tenant: Tenant, scheduleId: string): Promise<Schedule> {
    const schedule = await this.deps.schedules.getSchedule(internalId(tenant.id, scheduleId));
    if (!schedule || schedule.tenant_id !== tenant.id) throw new DomainError('SCHEDULE_NOT_FOUND', `Schedule ${scheduleId} not found`);
    return schedule;
  }

  list(tenant: Tenant): Promise<Schedule[]> {
    return this.deps.schedules.listSchedules(tenant.id);
  }

  async update(tenant: Tenant, scheduleId: string, changes: ScheduleChanges): Promise<Schedule> {
    if (changes.task !== undefined) await this.deps.checkTemplate(tenant, changes.task);
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.get(tenant, scheduleId);
      const now = this.deps.now();
      const next: Schedule = { ...current, ...definedOf(changes), updated_at: now.toISOString(), version: current.version + 1 };
      checkCron(next.cron, next.timezone, now);
      // A new expression, zone or a re-enable starts counting from now: ticks before it are not owed.
      const timingChanged = next.cron !== current.cron || next.timezone !== current.timezone || next.enabled !== current.enabled;
      if (!next.enabled) next.next_fire_at = null;
      else if (timingChanged || current.next_fire_at === null) next.next_fire_at = nextIso(next.cron, next.timezone, now);
      if (await this.deps.schedules.replaceSchedule(next, current.version)) {
        this.deps.onChange?.();
        return next;
      }
    }
    throw new DomainError('STORAGE_UNAVAILABLE', 'The schedule kept changing while it was being updated; retry', undefined, 1);
  }

  async delete(tenant: Tenant, scheduleId: string): Promise<Schedule> {
    const schedule = await this.get(tenant, scheduleId);
    if (!(await this.deps.schedules.deleteSchedule(schedule.schedule_id))) throw new DomainError('SCHEDULE_NOT_FOUND', `Schedule ${scheduleId} not found`);
    return schedule;
  }

  /** The tasks the schedule started, newest first, each with its current status (tasks removed by retention are left out). */
  async runs(tenant: Tenant, scheduleId: string, limit: number): Promise<ScheduleRunView[]> {
    const schedule = await this.get(tenant, scheduleId);
    const runs = await this.deps.schedules.listRuns(schedule.schedule_id, limit);
    const tasks = await Promise.all(runs.map((run) => this.deps.tasks.getTask(run.task_id)));
    return runs.flatMap((run, i) => {
      const task = tasks[i];
      return task ? [{ task_id: externalId(run.task_id), fired_at: run.fired_at, status: task.status }] : [];
    });
  }

  private replay(existing: Schedule, requestHash: string): Schedule {
    if (existing.request_hash !== requestHash) {
      throw new DomainError('SCHEDULE_ID_CONFLICT', `Schedule ${externalId(existing.schedule_id)} already exists with a different request body`);
    }
    return existing;
  }
}

function nextIso(cron: string, timezone: string, after: Date): string | null {
  return nextFireAfter(cron, timezone, after)?.toISOString() ?? null;
}

function definedOf(changes: ScheduleChanges): ScheduleChanges {
  return Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) as ScheduleChanges;
}
