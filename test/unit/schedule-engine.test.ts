import { describe, expect, it } from 'vitest';
import { MemoryScheduleStore } from '../../src/backends/memory/memory-schedule-store.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ScheduleClock } from '../../src/schedules/schedule-clock.js';
import { ScheduleEngine } from '../../src/schedules/schedule-engine.js';
import type { FireOutcome, ScheduleFiring } from '../../src/schedules/schedule-firing.js';
import type { Schedule, ScheduleSkip } from '../../src/schedules/schedule-types.js';
import { scheduleFixture } from '../contract/schedule-store.contract.js';

const logger = createLogger({ level: 'ERROR', sink: () => undefined });
const MINUTE = 60_000;

/** Time that moves only when the test says so: no cron test sleeps. */
function manualClock(startIso: string): ScheduleClock & { set(iso: string): void; advance(ms: number): void } {
  let now = Date.parse(startIso);
  return {
    now: () => new Date(now),
    sleep: async () => undefined,
    set: (iso) => {
      now = Date.parse(iso);
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** Records each tick it is asked to fire; `answer` decides the outcome (default: a task). */
function recordingFiring(answer?: (schedule: Schedule, tick: Date) => Promise<FireOutcome | undefined>) {
  const fired: string[] = [];
  const skipped: ScheduleSkip[] = [];
  const firing: Pick<ScheduleFiring, 'fire' | 'skipped'> = {
    fire: async (schedule, tick) => {
      fired.push(tick.toISOString());
      const custom = await answer?.(schedule, tick);
      return custom ?? { fired: true, taskId: `task-${tick.toISOString()}`, firedAt: tick.toISOString() };
    },
    skipped: (_schedule, tick, reason, detail) => {
      const skip = { fired_at: tick.toISOString(), reason, detail };
      skipped.push(skip);
      return skip;
    },
  };
  return { firing, fired, skipped };
}

function setUp(startIso: string, schedule: Partial<Schedule>, answer?: Parameters<typeof recordingFiring>[0]) {
  const store = new MemoryScheduleStore();
  const clock = manualClock(startIso);
  const recorder = recordingFiring(answer);
  const engine = new ScheduleEngine({
    schedules: store,
    firing: recorder.firing,
    clock,
    holder: 'test',
    leaseMs: 15_000,
    misfireGraceMs: MINUTE,
    logger,
  });
  const ready = store.insertSchedule(scheduleFixture('s', schedule));
  const read = async () => (await store.getSchedule('s'))!;
  return { store, clock, engine, ready, read, ...recorder };
}

describe('schedule engine (injected clock)', () => {
  it('fires a due tick once and moves next_fire_at to the following tick', async () => {
    const t = setUp('2026-01-01T00:04:59.000Z', { cron: '*/5 * * * *', next_fire_at: '2026-01-01T00:05:00.000Z' });
    await t.ready;
    expect(await t.engine.runDue()).toBe(0);
    expect(t.fired).toEqual([]);
    t.clock.set('2026-01-01T00:05:00.300Z');
    expect(await t.engine.runDue()).toBe(1);
    expect(await t.engine.runDue()).toBe(0);
    expect(t.fired).toEqual(['2026-01-01T00:05:00.000Z']);
    expect(await t.read()).toMatchObject({ next_fire_at: '2026-01-01T00:10:00.000Z', last_fired_at: '2026-01-01T00:05:00.000Z', version: 2 });
    t.clock.set('2026-01-01T00:10:00.000Z');
    await t.engine.runDue();
    expect(t.fired).toEqual(['2026-01-01T00:05:00.000Z', '2026-01-01T00:10:00.000Z']);
  });

  it('step() says how long to sleep: until the next tick, at most a poll', async () => {
    const t = setUp('2026-01-01T00:04:59.600Z', { cron: '*/5 * * * *', next_fire_at: '2026-01-01T00:05:00.000Z' });
    await t.ready;
    expect(await t.engine.step()).toBe(400);
    expect(t.engine.isLeader).toBe(true);
    t.clock.set('2026-01-01T00:05:00.000Z');
    expect(await t.engine.step()).toBe(1000);
    expect(t.fired).toEqual(['2026-01-01T00:05:00.000Z']);
  });

  it('ticks late by less than the grace (a leader took over) all fire, each once, in order', async () => {
    const t = setUp('2026-01-01T00:00:40.000Z', { cron: '*/10 * * * * *', next_fire_at: '2026-01-01T00:00:10.000Z' });
    await t.ready;
    await t.engine.runDue();
    expect(t.fired).toEqual(['2026-01-01T00:00:10.000Z', '2026-01-01T00:00:20.000Z', '2026-01-01T00:00:30.000Z', '2026-01-01T00:00:40.000Z']);
    expect((await t.read()).next_fire_at).toBe('2026-01-01T00:00:50.000Z');
  });

  it('catch_up "none": ticks missed while down fire nothing; one missed skip; next_fire_at moves to the future', async () => {
    const t = setUp('2026-01-01T03:02:00.000Z', { cron: '*/5 * * * *', catch_up: 'none', next_fire_at: '2026-01-01T00:05:00.000Z' });
    await t.ready;
    await t.engine.runDue();
    expect(t.fired).toEqual([]);
    expect(t.skipped).toEqual([{ fired_at: '2026-01-01T03:00:00.000Z', reason: 'missed', detail: expect.stringContaining('2026-01-01T00:05:00.000Z') }]);
    expect(await t.read()).toMatchObject({ next_fire_at: '2026-01-01T03:05:00.000Z', last_fired_at: null, last_skip: t.skipped[0] });
  });

  it('catch_up "last": fires once, for the most recent missed tick', async () => {
    const t = setUp('2026-01-01T03:02:00.000Z', { cron: '*/5 * * * *', catch_up: 'last', next_fire_at: '2026-01-01T00:05:00.000Z' });
    await t.ready;
    await t.engine.runDue();
    expect(t.fired).toEqual(['2026-01-01T03:00:00.000Z']);
    expect(await t.read()).toMatchObject({ next_fire_at: '2026-01-01T03:05:00.000Z', last_fired_at: '2026-01-01T03:00:00.000Z' });
  });

  it('a missed tick still inside the grace at restart fires, and the older ones follow catch_up', async () => {
    // Down from 00:04 to 00:10:30: 00:05 is missed (over a minute late), 00:10 is 30 s late.
    const t = setUp('2026-01-01T00:10:30.000Z', { cron: '*/5 * * * *', catch_up: 'none', next_fire_at: '2026-01-01T00:05:00.000Z' });
    await t.ready;
    await t.engine.runDue();
    expect(t.skipped.map((s) => s.fired_at)).toEqual(['2026-01-01T00:05:00.000Z']);
    expect(t.fired).toEqual(['2026-01-01T00:10:00.000Z']);
    expect((await t.read()).next_fire_at).toBe('2026-01-01T00:15:00.000Z');
  });

  it('a skipped tick (overlap, refusal) records last_skip and moves on', async () => {
    const skip: ScheduleSkip = { fired_at: '2026-01-01T00:05:00.000Z', reason: 'overlap', detail: 'task x is still queued or running' };
    const t = setUp('2026-01-01T00:05:00.000Z', { cron: '*/5 * * * *', next_fire_at: '2026-01-01T00:05:00.000Z' }, async () => ({ fired: false, skip }));
    await t.ready;
    await t.engine.runDue();
    expect(await t.read()).toMatchObject({ next_fire_at: '2026-01-01T00:10:00.000Z', last_fired_at: null, last_skip: skip });
  });

  it('a PATCH while a tick fires keeps its new timing; a disable stays disabled', async () => {
    let patch: ((s: Schedule) => Partial<Schedule>) | null = null;
    const t = setUp('2026-01-01T00:05:00.000Z', { cron: '*/5 * * * *', next_fire_at: '2026-01-01T00:05:00.000Z' }, async (schedule) => {
      if (patch) {
        const current = (await t.store.getSchedule(schedule.schedule_id))!;
        await t.store.replaceSchedule({ ...current, ...patch(current), version: current.version + 1 }, current.version);
      }
      return undefined;
    });
    await t.ready;
    patch = () => ({ cron: '0 * * * *', next_fire_at: '2026-01-01T01:00:00.000Z' });
    await t.engine.runDue();
    expect(await t.read()).toMatchObject({ cron: '0 * * * *', next_fire_at: '2026-01-01T01:00:00.000Z' });
    // Only the prompt changed: the engine's progress is written over the PATCH, which it keeps.
    patch = (s) => ({ task: { ...s.task, prompt: 'new' } });
    t.clock.set('2026-01-01T01:00:00.000Z');
    await t.engine.runDue();
    expect(await t.read()).toMatchObject({ next_fire_at: '2026-01-01T02:00:00.000Z', last_fired_at: '2026-01-01T01:00:00.000Z', task: { prompt: 'new' } });
    patch = () => ({ enabled: false, next_fire_at: null });
    t.clock.set('2026-01-01T02:00:00.000Z');
    await t.engine.runDue();
    expect(await t.read()).toMatchObject({ enabled: false, next_fire_at: null });
    expect(t.fired).toEqual(['2026-01-01T00:05:00.000Z', '2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z']);
  });

  it('a firing that throws does not stop the loop: the other schedules still fire', async () => {
    const t = setUp('2026-01-01T00:05:00.000Z', { cron: '*/5 * * * *', next_fire_at: '2026-01-01T00:05:00.000Z' }, async (schedule) => {
      if (schedule.schedule_id === 'bad') throw new Error('boom');
      return undefined;
    });
    await t.ready;
    await t.store.insertSchedule(scheduleFixture('bad', { next_fire_at: '2026-01-01T00:04:00.000Z' }));
    await t.engine.runDue();
    expect(t.fired).toEqual(['2026-01-01T00:04:00.000Z', '2026-01-01T00:05:00.000Z']);
    expect((await t.read()).next_fire_at).toBe('2026-01-01T00:10:00.000Z');
  });

  it('does not fire without the lease', async () => {
    const t = setUp('2026-01-01T00:05:00.000Z', { cron: '*/5 * * * *', next_fire_at: '2026-01-01T00:05:00.000Z' });
    await t.ready;
    t.store.holdLeadership = async () => false;
    expect(await t.engine.step()).toBe(1000);
    expect(t.engine.isLeader).toBe(false);
    expect(t.fired).toEqual([]);
  });
});
