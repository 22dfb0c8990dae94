import { ErrorReply } from 'redis';
import type { TaskEvent } from '../../events/event-types.js';
import type { Session, SessionPatch } from '../../sessions/session-types.js';
import type { Task, TaskPatch, TaskStatus } from '../../tasks/task-types.js';
import type { WebhookDelivery, WebhookDeliveryPatch } from '../../webhooks/webhook-types.js';
import { decodeCursor, encodeCursor, EventSeqConflictError, FencedWriteError, type Page, type Store, type TaskListQuery } from '../../storage/store.js';
import { pairsToObject } from './lua-script.js';
import { asStorageError, type RedisConnection, type RedisClient } from './redis-connection.js';
import { idOfMember, indexMember, RedisKeys } from './redis-keys.js';
import { decodeDelivery, decodeSession, decodeTask, encodeFields } from './redis-records.js';
import {
  APPEND_EVENT,
  CLAIM_DUE_DELIVERIES,
  DELETE_SESSION,
  INSERT_DELIVERY,
  INSERT_SESSION,
  INSERT_TASK,
  PRUNE_FINISHED,
  SAVE_DIFF,
  TENANT_SPEND,
  UPDATE_DELIVERY,
  UPDATE_SESSION,
  UPDATE_TASK,
} from './redis-store-scripts.js';

export interface RedisStoreOptions {
  /**
   * The fencing token this instance holds for a task (contract D), or null to write without
   * one. Every script writing a task's record or events refuses when the task's fence key
   * holds another token: the writer has lost the task to another instance.
   */
  fenceFor?: (taskId: string) => string | null;
}

/** A count for Redis: a non-negative integer. */
const count = (limit: number): number => (Number.isNaN(limit) ? 0 : Math.max(0, Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER)));

/**
 * The Store on Redis, shared by every instance of the service. Writes that must be atomic
 * (insert-if-absent, patch plus index upkeep, seq-checked append, retention) are Lua scripts;
 * listings read sorted-set indexes, never scan keys. Events of a task are one Redis Stream
 * whose entry ids are `<seq>-0`, so replay is an XRANGE from `<after+1>-0`.
 */
export class RedisStore implements Store {
  readonly keys: RedisKeys;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly options: RedisStoreOptions = {},
  ) {
    this.keys = new RedisKeys(connection.prefix);
  }

  async insertTask(task: Task): Promise<{ inserted: boolean; task: Task }> {
    const reply = (await this.call((c) => INSERT_TASK.run(c, [this.keys.task(task.task_id)], [this.keys.prefix, task.task_id, ...encodeFields(task)]))) as [
      number,
      unknown?,
    ];
    if (reply[0] === 1) return { inserted: true, task: structuredClone(task) };
    return { inserted: false, task: decodeTask(pairsToObject(reply[1])) };
  }

  async getTask(taskId: string): Promise<Task | null> {
    const hash = await this.call((c) => c.hGetAll(this.keys.task(taskId)));
    return Object.keys(hash).length === 0 ? null : decodeTask(hash);
  }

  async updateTask(taskId: string, patch: TaskPatch): Promise<Task | null> {
    const reply = await this.call((c) =>
      UPDATE_TASK.run(c, [this.keys.task(taskId), this.keys.fence(taskId)], [this.keys.prefix, taskId, this.fence(taskId), ...encodeFields(patch)]),
    );
    return reply === null ? null : decodeTask(pairsToObject(reply));
  }

  async listTasks(query: TaskListQuery): Promise<Page<Task>> {
    // An undecodable cursor is ignored (first page), as in the other adapters.
    const after = query.cursor ? decodeCursor(query.cursor) : null;
    const limit = count(query.limit);
    const index = this.keys.taskIndex({ tenant: query.tenant_id, status: query.status });
    const members = await this.call((c) =>
      c.zRange(index, after ? `(${indexMember(after[0], after[1])}` : '+', '-', { BY: 'LEX', REV: true, LIMIT: { offset: 0, count: limit + 1 } }),
    );
    const tasks = await this.tasksByIds(members.slice(0, limit).map(idOfMember));
    const last = tasks[tasks.length - 1];
    return { items: tasks, next_cursor: members.length > limit && last ? encodeCursor(last) : null };
  }

  async tasksWithStatus(statuses: readonly TaskStatus[]): Promise<Task[]> {
    const lists = await Promise.all(
      [...new Set(statuses)].map((status) => this.call((c) => c.zRange(this.keys.taskIndex({ status }), '-', '+', { BY: 'LEX' }))),
    );
    const members = lists.flat().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.tasksByIds(members.map(idOfMember));
  }

  async pruneFinishedBefore(cutoffIso: string, limit: number): Promise<number> {
    const max = count(limit);
    if (max === 0) return 0;
    return Number(await this.call((c) => PRUNE_FINISHED.run(c, [], [this.keys.prefix, cutoffIso, String(max)])));
  }

  async tenantSpendSince(tenantId: string, sinceIso: string): Promise<number> {
    const index = this.keys.taskIndex({ tenant: tenantId });
    return Number(await this.call((c) => TENANT_SPEND.run(c, [index], [this.keys.prefix, sinceIso])));
  }

  async saveTaskDiff(taskId: string, diff: string): Promise<void> {
    await this.call((c) => SAVE_DIFF.run(c, [this.keys.diff(taskId), this.keys.fence(taskId)], [this.fence(taskId), taskId, diff]));
  }

  async getTaskDiff(taskId: string): Promise<string | null> {
    return this.call((c) => c.get(this.keys.diff(taskId)));
  }

  async insertWebhookDelivery(delivery: WebhookDelivery): Promise<void> {
    const keys = [this.keys.webhook(delivery.webhook_id), this.keys.taskWebhooks(delivery.task_id), this.keys.webhookDueIndex()];
    await this.call((c) => INSERT_DELIVERY.run(c, keys, [delivery.webhook_id, delivery.created_at, ...encodeFields(delivery)]));
  }

  async claimDueWebhookDeliveries(nowIso: string, leaseUntilIso: string, limit: number): Promise<WebhookDelivery[]> {
    const max = count(limit);
    if (max === 0) return [];
    const args = [this.keys.prefix, nowIso, JSON.stringify(leaseUntilIso), leaseUntilIso, String(max)];
    const reply = (await this.call((c) => CLAIM_DUE_DELIVERIES.run(c, [this.keys.webhookDueIndex()], args))) as unknown[];
    return reply.map((fields) => decodeDelivery(pairsToObject(fields)));
  }

  async updateWebhookDelivery(webhookId: string, patch: WebhookDeliveryPatch): Promise<void> {
    const keys = [this.keys.webhook(webhookId), this.keys.webhookDueIndex()];
    await this.call((c) => UPDATE_DELIVERY.run(c, keys, [webhookId, ...encodeFields(patch)]));
  }

  async listWebhookDeliveries(taskId: string): Promise<WebhookDelivery[]> {
    const members = await this.call((c) => c.zRange(this.keys.taskWebhooks(taskId), '-', '+', { BY: 'LEX' }));
    const hashes = await this.call((c) => Promise.all(members.map((m) => c.hGetAll(this.keys.webhook(idOfMember(m))))));
    return hashes.filter((h) => Object.keys(h).length > 0).map(decodeDelivery);
  }

  async insertSession(session: Session): Promise<{ inserted: boolean; session: Session }> {
    const keys = [this.keys.session(session.session_id), this.keys.sessionIndex()];
    const reply = (await this.call((c) => INSERT_SESSION.run(c, keys, [session.session_id, ...encodeFields(session)]))) as [number, unknown?];
    if (reply[0] === 1) return { inserted: true, session: structuredClone(session) };
    return { inserted: false, session: decodeSession(pairsToObject(reply[1])) };
  }

  async getSession(sessionId: string): Promise<Session | null> {
    const hash = await this.call((c) => c.hGetAll(this.keys.session(sessionId)));
    return Object.keys(hash).length === 0 ? null : decodeSession(hash);
  }

  async updateSession(sessionId: string, patch: SessionPatch): Promise<Session | null> {
    const reply = await this.call((c) => UPDATE_SESSION.run(c, [this.keys.session(sessionId)], encodeFields(patch)));
    return reply === null ? null : decodeSession(pairsToObject(reply));
  }

  async deleteSession(sessionId: string): Promise<boolean> {
    const keys = [this.keys.session(sessionId), this.keys.sessionIndex()];
    return Number(await this.call((c) => DELETE_SESSION.run(c, keys, [sessionId]))) === 1;
  }

  async listSessions(): Promise<Session[]> {
    const members = await this.call((c) => c.zRange(this.keys.sessionIndex(), '-', '+', { BY: 'LEX' }));
    const hashes = await this.call((c) => Promise.all(members.map((m) => c.hGetAll(this.keys.session(idOfMember(m))))));
    return hashes.filter((h) => Object.keys(h).length > 0).map(decodeSession);
  }

  async appendEvent(event: TaskEvent): Promise<void> {
    if (!Number.isSafeInteger(event.seq) || event.seq < 1) {
      throw new EventSeqConflictError(event.task_id, (await this.lastEventSeq(event.task_id)) + 1, event.seq);
    }
    const keys = [this.keys.events(event.task_id), this.keys.fence(event.task_id)];
    const args = [this.fence(event.task_id), String(event.seq), JSON.stringify(event), this.keys.eventChannel(), event.task_id];
    try {
      await this.call((c) => APPEND_EVENT.run(c, keys, args));
    } catch (error) {
      const expected = error instanceof ErrorReply ? /^SEQ (\d+)/.exec(error.message) : null;
      if (expected) throw new EventSeqConflictError(event.task_id, Number(expected[1]), event.seq);
      throw error;
    }
  }

  async readEvents(taskId: string, afterSeq: number, limit = Number.MAX_SAFE_INTEGER): Promise<TaskEvent[]> {
    const max = count(limit);
    if (max === 0) return [];
    const start = afterSeq < 0 ? '-' : `${Math.floor(afterSeq) + 1}-0`;
    const entries = await this.call((c) => c.xRange(this.keys.events(taskId), start, '+', { COUNT: max }));
    return entries.map((entry) => JSON.parse(String(entry.message.e)) as TaskEvent);
  }

  async lastEventSeq(taskId: string): Promise<number> {
    const [top] = await this.call((c) => c.xRevRange(this.keys.events(taskId), '+', '-', { COUNT: 1 }));
    return top ? Number(top.id.split('-')[0]) : 0;
  }

  /** Refuses later calls; the connection is the backend's and closes with it. */
  async close(): Promise<void> {
    this.closed = true;
  }

  private fence(taskId: string): string {
    return this.options.fenceFor?.(taskId) ?? '';
  }

  private async tasksByIds(ids: string[]): Promise<Task[]> {
    const hashes = await this.call((c) => Promise.all(ids.map((id) => c.hGetAll(this.keys.task(id)))));
    // A task pruned between the index read and this one is simply left out.
    return hashes.filter((h) => Object.keys(h).length > 0).map(decodeTask);
  }

  /** One Redis call: refused after close(), with connection failures and fencing made domain errors. */
  private async call<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('RedisStore is closed');
    try {
      return await this.connection.run(fn);
    } catch (error) {
      const fenced = error instanceof ErrorReply ? /^FENCED (.*)$/.exec(error.message) : null;
      if (fenced) throw new FencedWriteError(fenced[1]!);
      throw asStorageError(error);
    }
  }
}
