import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/storage/store.js';
import type { Trigger, TriggerStore } from '../../src/triggers/trigger-types.js';
import { makeTask } from './store-contract-fixtures.js';

export interface TriggerStoreHarness {
  triggers: TriggerStore;
  /** The task store of the same backend: a task's trigger_id must survive it. */
  tasks: Store;
  /** The same storage seen by another instance (Redis) or after a restart (SQLite); absent for memory. */
  reopen?: () => Promise<TriggerStore>;
  cleanup(): Promise<void>;
}

export function makeTrigger(overrides: Partial<Trigger> = {}): Trigger {
  return {
    trigger_id: 'trg_000000000000000000000001',
    tenant_id: 'alpha',
    name: 'nightly',
    task: { prompt: 'Run the checks', workspace: 'proj', session_id: 's-1', reuse_existing: true, options: { max_turns: 3 } },
    token_hash: 'a'.repeat(64),
    created_at: '2026-01-01T00:00:00.000Z',
    token_issued_at: '2026-01-01T00:00:00.000Z',
    last_fired_at: null,
    fire_count: 0,
    ...overrides,
  };
}

/** Triggers as TriggerService relies on them, on every backend. */
export function triggerStoreContract(name: string, open: () => Promise<TriggerStoreHarness>): void {
  describe(`TriggerStore contract: ${name}`, () => {
    let harness: TriggerStoreHarness;
    let store: TriggerStore;

    beforeEach(async () => {
      harness = await open();
      store = harness.triggers;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('stores a trigger and reads it back exactly, once per id', async () => {
      const trigger = makeTrigger();
      expect(await store.insert(trigger)).toBe(true);
      expect(await store.insert({ ...trigger, name: 'other' })).toBe(false);
      expect(await store.get(trigger.trigger_id)).toEqual(trigger);
      expect(await store.get('trg_missing')).toBeNull();
    });

    it("lists a tenant's triggers oldest first, and only that tenant's", async () => {
      await store.insert(makeTrigger({ trigger_id: 'trg_b', created_at: '2026-01-02T00:00:00.000Z' }));
      await store.insert(makeTrigger({ trigger_id: 'trg_a', created_at: '2026-01-03T00:00:00.000Z' }));
      await store.insert(makeTrigger({ trigger_id: 'trg_c', created_at: '2026-01-01T00:00:00.000Z' }));
      await store.insert(makeTrigger({ trigger_id: 'trg_other', tenant_id: 'beta' }));
      expect((await store.listByTenant('alpha')).map((t) => t.trigger_id)).toEqual(['trg_c', 'trg_b', 'trg_a']);
      expect((await store.listByTenant('beta')).map((t) => t.trigger_id)).toEqual(['trg_other']);
      expect(await store.listByTenant('gamma')).toEqual([]);
    });

    it('replaces the token of a trigger that exists, and of no other', async () => {
      await store.insert(makeTrigger());
      const rotated = await store.replaceToken('trg_000000000000000000000001', 'b'.repeat(64), '2026-02-01T00:00:00.000Z');
      expect(rotated).toEqual(makeTrigger({ token_hash: 'b'.repeat(64), token_issued_at: '2026-02-01T00:00:00.000Z' }));
      expect((await store.get('trg_000000000000000000000001'))?.token_hash).toBe('b'.repeat(64));
      expect(await store.replaceToken('trg_missing', 'c'.repeat(64), '2026-02-01T00:00:00.000Z')).toBeNull();
      expect(await store.get('trg_missing')).toBeNull();
    });

    it('counts fires, and a fire never brings a deleted trigger back', async () => {
      await store.insert(makeTrigger());
      await store.recordFire('trg_000000000000000000000001', '2026-01-05T00:00:00.000Z');
      await store.recordFire('trg_000000000000000000000001', '2026-01-06T00:00:00.000Z');
      const fired = await store.get('trg_000000000000000000000001');
      expect(fired).toMatchObject({ fire_count: 2, last_fired_at: '2026-01-06T00:00:00.000Z' });
      expect(await store.delete('trg_000000000000000000000001')).toBe(true);
      expect(await store.delete('trg_000000000000000000000001')).toBe(false);
      await store.recordFire('trg_000000000000000000000001', '2026-01-07T00:00:00.000Z');
      expect(await store.get('trg_000000000000000000000001')).toBeNull();
      expect(await store.listByTenant('alpha')).toEqual([]);
    });

    it('counts fire attempts per trigger in a fixed window', async () => {
      const first = await store.countFireAttempt('trg_a', 60_000);
      expect(first.count).toBe(1);
      expect(first.resetMs).toBeGreaterThan(0);
      expect(first.resetMs).toBeLessThanOrEqual(60_000);
      expect((await store.countFireAttempt('trg_a', 60_000)).count).toBe(2);
      expect((await store.countFireAttempt('trg_b', 60_000)).count).toBe(1);
    });

    it('a new window starts once the old one has ended', async () => {
      expect((await store.countFireAttempt('trg_short', 50)).count).toBe(1);
      // Only waits longer than the window: a slow machine cannot make this fail.
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await store.countFireAttempt('trg_short', 50)).count).toBe(1);
    });

    it("keeps a task's trigger_id, and none on other tasks", async () => {
      await harness.tasks.insertTask(makeTask({ task_id: 'fired', trigger_id: 'trg_000000000000000000000001' }));
      await harness.tasks.insertTask(makeTask({ task_id: 'plain' }));
      expect((await harness.tasks.getTask('fired'))?.trigger_id).toBe('trg_000000000000000000000001');
      expect((await harness.tasks.getTask('plain'))?.trigger_id ?? null).toBeNull();
      await harness.tasks.updateTask('fired', { status: 'running' });
      expect((await harness.tasks.getTask('fired'))?.trigger_id).toBe('trg_000000000000000000000001');
    });

    it('what one instance (or a restart) stored, the other sees: a rotation too', async () => {
      if (!harness.reopen) return;
      await store.insert(makeTrigger());
      const other = await harness.reopen();
      expect(await other.get('trg_000000000000000000000001')).toEqual(makeTrigger());
      await other.replaceToken('trg_000000000000000000000001', 'd'.repeat(64), '2026-03-01T00:00:00.000Z');
      const third = await harness.reopen();
      expect((await third.get('trg_000000000000000000000001'))?.token_hash).toBe('d'.repeat(64));
    });
  });
}
