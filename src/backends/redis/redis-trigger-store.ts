import type { FireWindow, Trigger, TriggerStore } from '../../triggers/trigger-types.js';
import { LuaScript } from './lua-script.js';
import { asStorageError, type RedisClient, type RedisConnection } from './redis-connection.js';
import { indexMember, RedisKeys } from './redis-keys.js';
import { encodeFields } from './redis-records.js';

const INSERT = LuaScript.load('trigger-insert');
const UPDATE = LuaScript.load('trigger-update');
const DELETE = LuaScript.load('trigger-delete');
const INCREMENT = LuaScript.load('rate-limit-increment');

const decode = (hash: Record<string, string>): Trigger => {
  const out: Record<string, unknown> = {};
  for (const [field, json] of Object.entries(hash)) out[field] = JSON.parse(json);
  return out as unknown as Trigger;
};

/**
 * Triggers shared by every instance: one hash per trigger (one JSON value per field), a
 * per-tenant index, and fire windows counted in Redis, so a token rotated on one instance stops
 * working on all of them at once and a flood spread over instances meets one budget.
 */
export class RedisTriggerStore implements TriggerStore {
  private readonly keys: RedisKeys;

  constructor(private readonly connection: RedisConnection) {
    this.keys = new RedisKeys(connection.prefix);
  }

  async insert(trigger: Trigger): Promise<boolean> {
    const keys = [this.keys.trigger(trigger.trigger_id), this.keys.tenantTriggers(trigger.tenant_id)];
    const member = indexMember(trigger.created_at, trigger.trigger_id);
    return Number(await this.run((c) => INSERT.run(c, keys, [trigger.trigger_id, member, ...encodeFields(trigger)]))) === 1;
  }

  async get(triggerId: string): Promise<Trigger | null> {
    const hash = await this.run((c) => c.hGetAll(this.keys.trigger(triggerId)));
    return Object.keys(hash).length === 0 ? null : decode(hash);
  }

  async listByTenant(tenantId: string): Promise<Trigger[]> {
    const members = await this.run((c) => c.zRange(this.keys.tenantTriggers(tenantId), '-', '+', { BY: 'LEX' }));
    const ids = members.map((m) => m.slice(m.indexOf('\u0000') + 1));
    const hashes = await this.run((c) => Promise.all(ids.map((id) => c.hGetAll(this.keys.trigger(id)))));
    // One deleted between the two reads is left out.
    return hashes.filter((h) => Object.keys(h).length > 0).map(decode);
  }

  async replaceToken(triggerId: string, tokenHash: string, issuedAt: string): Promise<Trigger | null> {
    const fields = encodeFields({ token_hash: tokenHash, token_issued_at: issuedAt });
    const updated = Number(await this.run((c) => UPDATE.run(c, [this.keys.trigger(triggerId)], ['0', ...fields])));
    return updated === 1 ? this.get(triggerId) : null;
  }

  async recordFire(triggerId: string, firedAt: string): Promise<void> {
    await this.run((c) => UPDATE.run(c, [this.keys.trigger(triggerId)], ['1', ...encodeFields({ last_fired_at: firedAt })]));
  }

  async delete(triggerId: string): Promise<boolean> {
    const trigger = await this.get(triggerId);
    if (!trigger) return false;
    const keys = [this.keys.trigger(triggerId), this.keys.tenantTriggers(trigger.tenant_id)];
    return Number(await this.run((c) => DELETE.run(c, keys, [indexMember(trigger.created_at, triggerId)]))) === 1;
  }

  async countFireAttempt(triggerId: string, windowMs: number): Promise<FireWindow> {
    const reply = (await this.run((c) => INCREMENT.run(c, [this.keys.triggerFires(triggerId)], [String(windowMs)]))) as [number, number];
    return { count: Number(reply[0]), resetMs: Number(reply[1]) };
  }

  /** Connection failures become STORAGE_UNAVAILABLE, as for every other store call. */
  private async run<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await this.connection.run(fn);
    } catch (error) {
      throw asStorageError(error);
    }
  }
}
