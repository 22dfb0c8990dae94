import type { FireWindow, Trigger, TriggerStore } from '../../triggers/trigger-types.js';

/** Past this many live windows, ended ones are swept (ids guessed by a flood would pile up otherwise). */
const SWEEP_AT = 10_000;

/**
 * Triggers and fire windows in this process: one instance (memory and SQLite backends; the
 * SQLite store keeps triggers in its file but fire windows here, as they matter for a minute).
 */
export class FireWindows {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  count(key: string, windowMs: number): FireWindow {
    const now = this.now();
    if (this.windows.size >= SWEEP_AT) for (const [k, w] of this.windows) if (w.endsAt <= now) this.windows.delete(k);
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      window = { count: 0, endsAt: now + windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return { count: window.count, resetMs: window.endsAt - now };
  }
}

export class MemoryTriggerStore implements TriggerStore {
  private readonly triggers = new Map<string, Trigger>();
  private readonly windows: FireWindows;

  constructor(now: () => number = Date.now) {
    this.windows = new FireWindows(now);
  }

  async insert(trigger: Trigger): Promise<boolean> {
    if (this.triggers.has(trigger.trigger_id)) return false;
    this.triggers.set(trigger.trigger_id, structuredClone(trigger));
    return true;
  }

  async get(triggerId: string): Promise<Trigger | null> {
    const trigger = this.triggers.get(triggerId);
    return trigger ? structuredClone(trigger) : null;
  }

  async listByTenant(tenantId: string): Promise<Trigger[]> {
    return [...this.triggers.values()]
      .filter((t) => t.tenant_id === tenantId)
      .sort((a, b) => (a.created_at === b.created_at ? a.trigger_id.localeCompare(b.trigger_id) : a.created_at.localeCompare(b.created_at)))
      .map((t) => structuredClone(t));
  }

  async replaceToken(triggerId: string, tokenHash: string, issuedAt: string): Promise<Trigger | null> {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return null;
    trigger.token_hash = tokenHash;
    trigger.token_issued_at = issuedAt;
    return structuredClone(trigger);
  }

  async recordFire(triggerId: string, firedAt: string): Promise<void> {
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return;
    trigger.fire_count += 1;
    trigger.last_fired_at = firedAt;
  }

  async delete(triggerId: string): Promise<boolean> {
    return this.triggers.delete(triggerId);
  }

  async countFireAttempt(triggerId: string, windowMs: number): Promise<FireWindow> {
    return this.windows.count(triggerId, windowMs);
  }
}
