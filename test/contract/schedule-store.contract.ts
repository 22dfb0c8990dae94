import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_RUNS_KEPT, type ScheduleStore } from '../../src/schedules/schedule-store.js';
import type { Schedule } from '../../src/schedules/schedule-types.js';

export interface ScheduleStoreHarness {
  store: ScheduleStore;
  /** Whether several instances share the store (so its lease may say no). */
  shared: boolean;
  /** Another handle on the same data, as a second instance would have. */
  other(): Promise<ScheduleStore>;
  cleanup(): Promise<void>;
}

export function scheduleFixture(id: string, overrides: Partial<Schedule> = {}): Schedule {
  return {
    schedule_id: id,
    tenant_id: 'default',
    cron: '*/5 * * * *',
    timezone: 'UTC',
    task: { prompt: 'tick', workspace: 'w', options: { max_turns: 3 } },
    overlap: 'skip',
    catch_up: 'none',
    enabled: true,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
    next_fire_at: '2026-01-01T00:05:00.000Z',
    last_fired_at: null,
    last_skip: null,
    request_hash: 'h',
    version: 1,
    ...overrides,
  };
}

/** The rules of src/schedules/schedule-store.ts, held against every backend. */
export function scheduleStoreContract(name: string, open: () => Promise<ScheduleStoreHarness>): void {
  describe(`ScheduleStore contract: ${name}`, () => {
    let harness: ScheduleStoreHarness;
    let store: ScheduleStore;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('inserts if absent; a clash returns the stored record untouched', async () => {
      const first = scheduleFixture('a');
      expect(await store.insertSchedule(first)).toEqual({ inserted: true, schedule: first });
      const clash = await store.insertSchedule(scheduleFixture('a', { cron: '0 * * * *' }));
      expect(clash).toEqual({ inserted: false, schedule: first });
      expect(await store.getSchedule('a')).toEqual(first);
      expect(await store.getSchedule('missing')).toBeNull();
    });

    it('returns copies', async () => {
      await store.insertSchedule(scheduleFixture('a'));
      const read = (await store.getSchedule('a'))!;
      read.task.prompt = 'changed';
      read.cron = 'changed';
      expect((await store.getSchedule('a'))!.task.prompt).toBe('tick');
      const [listed] = await store.listSchedules();
      listed!.enabled = false;
      expect((await store.getSchedule('a'))!.enabled).toBe(true);
    });

    it('replaces only at the expected version: of two writers that read one version, one wins', async () => {
      await store.insertSchedule(scheduleFixture('a'));
      const base = (await store.getSchedule('a'))!;
      const byPatch = { ...base, cron: '0 * * * *', version: 2 };
      const byLoop = { ...base, next_fire_at: '2026-01-01T00:10:00.000Z', version: 2 };
      const results = await Promise.all([store.replaceSchedule(byPatch, 1), store.replaceSchedule(byLoop, 1)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const stored = (await store.getSchedule('a'))!;
      expect(stored.version).toBe(2);
      expect([byPatch, byLoop]).toContainEqual(stored);
      expect(await store.replaceSchedule({ ...stored, version: 3 }, 1)).toBe(false);
      expect(await store.replaceSchedule({ ...stored, enabled: false, version: 3 }, 2)).toBe(true);
      expect((await store.getSchedule('a'))!.enabled).toBe(false);
      expect(await store.replaceSchedule(scheduleFixture('missing', { version: 2 }), 1)).toBe(false);
      expect(await store.getSchedule('missing')).toBeNull();
    });

    it('lists a tenant’s schedules (or all), oldest first', async () => {
      await store.insertSchedule(scheduleFixture('b', { created_at: '2026-01-02T00:00:00.000Z', tenant_id: 'acme' }));
      await store.insertSchedule(scheduleFixture('c', { created_at: '2026-01-01T00:00:00.000Z', tenant_id: 'acme' }));
      await store.insertSchedule(scheduleFixture('a', { created_at: '2026-01-01T00:00:00.000Z' }));
      expect((await store.listSchedules()).map((s) => s.schedule_id)).toEqual(['a', 'c', 'b']);
      expect((await store.listSchedules('acme')).map((s) => s.schedule_id)).toEqual(['c', 'b']);
      expect(await store.listSchedules('nobody')).toEqual([]);
    });

    it('finds due schedules (enabled, next_fire_at at or before now), earliest first, and the next fire time', async () => {
      await store.insertSchedule(scheduleFixture('late', { next_fire_at: '2026-01-01T00:03:00.000Z' }));
      await store.insertSchedule(scheduleFixture('now', { next_fire_at: '2026-01-01T00:05:00.000Z' }));
      await store.insertSchedule(scheduleFixture('future', { next_fire_at: '2026-01-01T00:06:00.000Z' }));
      await store.insertSchedule(scheduleFixture('off', { enabled: false, next_fire_at: null }));
      await store.insertSchedule(scheduleFixture('off-but-set', { enabled: false, next_fire_at: '2026-01-01T00:01:00.000Z' }));
      const due = await store.dueSchedules('2026-01-01T00:05:00.000Z', 10);
      expect(due.map((s) => s.schedule_id)).toEqual(['late', 'now']);
      expect((await store.dueSchedules('2026-01-01T00:05:00.000Z', 1)).map((s) => s.schedule_id)).toEqual(['late']);
      expect(await store.dueSchedules('2026-01-01T00:00:00.000Z', 10)).toEqual([]);
      expect(await store.nextFireAt()).toBe('2026-01-01T00:03:00.000Z');
    });

    it('has no next fire time without an enabled schedule', async () => {
      expect(await store.nextFireAt()).toBeNull();
      await store.insertSchedule(scheduleFixture('off', { enabled: false, next_fire_at: null }));
      expect(await store.nextFireAt()).toBeNull();
    });

    it('records runs once per task, lists them newest first, and only for a schedule that exists', async () => {
      await store.insertSchedule(scheduleFixture('a'));
      await store.recordRun({ schedule_id: 'a', task_id: 't1', fired_at: '2026-01-01T00:05:00.000Z' });
      await store.recordRun({ schedule_id: 'a', task_id: 't3', fired_at: '2026-01-01T00:15:00.000Z' });
      await store.recordRun({ schedule_id: 'a', task_id: 't2', fired_at: '2026-01-01T00:10:00.000Z' });
      await store.recordRun({ schedule_id: 'a', task_id: 't2', fired_at: '2026-01-01T00:10:00.000Z' });
      await store.recordRun({ schedule_id: 'gone', task_id: 'tx', fired_at: '2026-01-01T00:10:00.000Z' });
      expect(await store.listRuns('a', 10)).toEqual([
        { schedule_id: 'a', task_id: 't3', fired_at: '2026-01-01T00:15:00.000Z' },
        { schedule_id: 'a', task_id: 't2', fired_at: '2026-01-01T00:10:00.000Z' },
        { schedule_id: 'a', task_id: 't1', fired_at: '2026-01-01T00:05:00.000Z' },
      ]);
      expect((await store.listRuns('a', 1)).map((r) => r.task_id)).toEqual(['t3']);
      expect(await store.listRuns('gone', 10)).toEqual([]);
    });

    it(`keeps the newest ${MAX_RUNS_KEPT} runs`, async () => {
      await store.insertSchedule(scheduleFixture('a'));
      const start = Date.UTC(2026, 0, 1);
      for (let i = 0; i < MAX_RUNS_KEPT + 5; i++) {
        await store.recordRun({ schedule_id: 'a', task_id: `t${String(i).padStart(5, '0')}`, fired_at: new Date(start + i * 1000).toISOString() });
      }
      const runs = await store.listRuns('a', MAX_RUNS_KEPT + 100);
      expect(runs).toHaveLength(MAX_RUNS_KEPT);
      expect(runs[0]!.task_id).toBe(`t${String(MAX_RUNS_KEPT + 4).padStart(5, '0')}`);
      expect(runs.at(-1)!.task_id).toBe('t00005');
    });

    it('deletes a schedule with its runs', async () => {
      await store.insertSchedule(scheduleFixture('a'));
      await store.recordRun({ schedule_id: 'a', task_id: 't1', fired_at: '2026-01-01T00:05:00.000Z' });
      expect(await store.deleteSchedule('a')).toBe(true);
      expect(await store.deleteSchedule('a')).toBe(false);
      expect(await store.getSchedule('a')).toBeNull();
      await store.insertSchedule(scheduleFixture('a'));
      expect(await store.listRuns('a', 10)).toEqual([]);
    });

    it('another handle on the same data sees every write', async () => {
      const other = await harness.other();
      await store.insertSchedule(scheduleFixture('a'));
      await store.recordRun({ schedule_id: 'a', task_id: 't1', fired_at: '2026-01-01T00:05:00.000Z' });
      expect(await other.getSchedule('a')).toEqual(scheduleFixture('a'));
      expect((await other.listRuns('a', 10)).map((r) => r.task_id)).toEqual(['t1']);
    });

    it('leadership: one holder at a time, renewed by its holder, free once released', async () => {
      expect(await store.holdLeadership('one', 60_000)).toBe(true);
      expect(await store.holdLeadership('one', 60_000)).toBe(true);
      const other = await harness.other();
      expect(await other.holdLeadership('two', 60_000)).toBe(!harness.shared);
      await store.releaseLeadership('two');
      expect(await other.holdLeadership('two', 60_000)).toBe(!harness.shared);
      await store.releaseLeadership('one');
      expect(await other.holdLeadership('two', 60_000)).toBe(true);
      expect(await store.holdLeadership('one', 60_000)).toBe(!harness.shared);
    });
  });
}
