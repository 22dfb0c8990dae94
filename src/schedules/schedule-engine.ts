import type { Logger } from '../observability/logger.js';
import { lastFireBefore, nextFireAfter } from './cron.js';
import type { ScheduleClock } from './schedule-clock.js';
import type { FireOutcome, ScheduleFiring } from './schedule-firing.js';
import type { ScheduleStore } from './schedule-store.js';
import type { Schedule, ScheduleSkip } from './schedule-types.js';

export interface ScheduleEngineDeps {
  schedules: ScheduleStore;
  firing: Pick<ScheduleFiring, 'fire' | 'skipped'>;
  clock: ScheduleClock;
  /** This instance's INSTANCE_ID: the lease holder's name. */
  holder: string;
  leaseMs: number;
  /** A tick later than this is missed (catch_up decides); earlier ones fire late but fire. */
  misfireGraceMs: number;
  logger: Logger;
}

/** The loop looks for new or changed schedules at least this often. */
const POLL_MS = 1000;
/** How soon the loop looks again when something is still due after a pass. */
const RETRY_MS = 250;
/** Due schedules read per query; a pass keeps reading until none is due. */
const BATCH = 100;
/** A bound on one pass, so that a schedule whose writes keep failing cannot spin the loop. */
const MAX_STEPS_PER_PASS = 10_000;

/**
 * Fires due schedules. One instance leads (it holds the lease and renews it each loop; a
 * leader that dies stops renewing and another takes over within one lease). Each tick is
 * fired, then the schedule's next_fire_at is moved past it with a version check, so a tick
 * is handled once even if two instances ever both lead; the tick's task id makes its task
 * unique regardless (see schedule-firing.ts).
 */
export class ScheduleEngine {
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  private leading = false;
  private wakeUp: AbortController | null = null;

  constructor(private readonly deps: ScheduleEngineDeps) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.loop = null;
    if (this.leading) await this.deps.schedules.releaseLeadership(this.deps.holder).catch(() => undefined);
    this.leading = false;
  }

  /** Ends the current sleep (a schedule was created or changed here), so the loop re-reads at once. */
  wake(): void {
    this.wakeUp?.abort();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      let sleepMs = POLL_MS;
      try {
        sleepMs = await this.step();
      } catch (error) {
        this.deps.logger.warn('Schedule loop failed; retrying', { error: String(error) });
      }
      if (signal.aborted) break;
      this.wakeUp = new AbortController();
      const both = AbortSignal.any([signal, this.wakeUp.signal]);
      await this.deps.clock.sleep(sleepMs, both);
    }
  }

  /** One turn of the loop: hold (or seek) the lease; if leading, fire what is due. Returns how long to sleep. */
  async step(): Promise<number> {
    const renewEvery = Math.max(50, Math.floor(this.deps.leaseMs / 3));
    const was = this.leading;
    this.leading = await this.deps.schedules.holdLeadership(this.deps.holder, this.deps.leaseMs);
    if (this.leading !== was) this.deps.logger.info(this.leading ? 'Leading schedule firing' : 'Stopped leading schedule firing', { holder: this.deps.holder });
    // Followers ask every poll, so one takes over within a second of the lease running out.
    if (!this.leading) return Math.min(POLL_MS, renewEvery);
    await this.runDue();
    const next = await this.deps.schedules.nextFireAt();
    const untilNext = next === null ? POLL_MS : Date.parse(next) - this.deps.clock.now().getTime();
    // Still due after a pass: a tick came meanwhile, or one failed (storage); look again soon, not at once.
    return Math.min(POLL_MS, renewEvery, untilNext <= 0 ? RETRY_MS : untilNext);
  }

  /** Fires every tick due now, oldest first; returns how many ticks were handled. */
  async runDue(): Promise<number> {
    let handled = 0;
    // A schedule whose tick failed (storage trouble) waits for the next pass rather than spin this one.
    const failed = new Set<string>();
    while (handled < MAX_STEPS_PER_PASS && !this.abort.signal.aborted) {
      const now = this.deps.clock.now();
      const due = (await this.deps.schedules.dueSchedules(now.toISOString(), BATCH + failed.size)).filter((s) => !failed.has(s.schedule_id));
      if (due.length === 0) break;
      for (const schedule of due) {
        try {
          await this.advance(schedule, now);
        } catch (error) {
          failed.add(schedule.schedule_id);
          this.deps.logger.warn('Schedule tick could not be handled', { schedule_id: schedule.schedule_id, error: String(error) });
        }
        handled++;
      }
    }
    return handled;
  }

  /** Handles the schedule's due tick (or its missed ones) and moves next_fire_at past it. */
  private async advance(schedule: Schedule, now: Date): Promise<void> {
    const { cron, timezone } = schedule;
    const tick = new Date(schedule.next_fire_at!);
    const horizon = new Date(now.getTime() - this.deps.misfireGraceMs);
    let outcome: FireOutcome | null = null;
    let missed: ScheduleSkip | null = null;
    let nextFire: Date | null;
    if (tick < horizon) {
      // No instance fired these ticks in time (the deployment was down): catch_up decides.
      const latestMissed = lastFireBefore(cron, timezone, horizon) ?? tick;
      nextFire = nextFireAfter(cron, timezone, new Date(horizon.getTime() - 1));
      if (schedule.catch_up === 'last') outcome = await this.deps.firing.fire(schedule, latestMissed);
      else missed = this.skipMissed(schedule, tick, latestMissed);
    } else {
      outcome = await this.deps.firing.fire(schedule, tick);
      nextFire = nextFireAfter(cron, timezone, tick);
    }
    const skip = missed ?? (outcome && !outcome.fired ? outcome.skip : null);
    await this.moveOn(schedule, {
      next_fire_at: nextFire?.toISOString() ?? null,
      ...(outcome?.fired ? { last_fired_at: outcome.firedAt } : {}),
      ...(skip ? { last_skip: skip } : {}),
    });
  }

  private skipMissed(schedule: Schedule, first: Date, last: Date): ScheduleSkip {
    return this.deps.firing.skipped(schedule, last, 'missed', `ticks from ${first.toISOString()} to ${last.toISOString()} were missed (catch_up "none")`);
  }

  /** Writes the schedule's progress unless a PATCH changed its timing meanwhile (then the PATCH's next_fire_at stands). */
  private async moveOn(read: Schedule, progress: Partial<Pick<Schedule, 'next_fire_at' | 'last_fired_at' | 'last_skip'>>): Promise<void> {
    let current: Schedule | null = read;
    for (let attempt = 0; attempt < 10 && current; attempt++) {
      if (current.next_fire_at !== read.next_fire_at || !current.enabled) return;
      const next: Schedule = { ...current, ...progress, version: current.version + 1 };
      if (await this.deps.schedules.replaceSchedule(next, current.version)) return;
      current = await this.deps.schedules.getSchedule(read.schedule_id);
    }
  }
}
