import type { TaskTemplate } from '../../packages/client/src/types.js';

/**
 * What every fire of a trigger submits (the text of a fire is appended to `prompt`). The same
 * fields as a task submit, with the session named flat (`session_id`, `reuse_existing`).
 */
export type TriggerTaskTemplate = TaskTemplate;

export interface Trigger {
  /** Server-made (`trg_…`) and unique across tenants: a fire names the trigger before anyone is known. */
  trigger_id: string;
  tenant_id: string;
  name: string;
  task: TriggerTaskTemplate;
  /** SHA-256 (hex) of the current token; the token itself is never stored. */
  token_hash: string;
  created_at: string;
  /** When the current token was issued (created_at until the first rotation). */
  token_issued_at: string;
  last_fired_at: string | null;
  fire_count: number;
}

/** A fixed-window count of fire attempts on one trigger. */
export interface FireWindow {
  /** Attempts in the current window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

/**
 * Where triggers live: one per backend (memory, SQLite, Redis), held to test/contract/trigger-store.contract.ts.
 * Every instance of a Redis deployment sees the same triggers, tokens and fire budgets.
 */
export interface TriggerStore {
  /** False when the id is taken. */
  insert(trigger: Trigger): Promise<boolean>;
  get(triggerId: string): Promise<Trigger | null>;
  /** A tenant's triggers, oldest first. */
  listByTenant(tenantId: string): Promise<Trigger[]>;
  /** Replaces the token at once; null when the trigger is gone. */
  replaceToken(triggerId: string, tokenHash: string, issuedAt: string): Promise<Trigger | null>;
  /** Counts a fire that started a task; does nothing for a trigger that is gone. */
  recordFire(triggerId: string, firedAt: string): Promise<void>;
  /** False when there was no such trigger. */
  delete(triggerId: string): Promise<boolean>;
  /** Counts one fire attempt against the trigger's window of `windowMs`. */
  countFireAttempt(triggerId: string, windowMs: number): Promise<FireWindow>;
}
