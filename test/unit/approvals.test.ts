import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/errors.js';
import { EventLog } from '../../src/events/event-log.js';
import { createLogger } from '../../src/observability/logger.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { LocalApprovals, type PermissionAnswer } from '../../src/tasks/local-approvals.js';
import { Approvals, pendingIn } from '../../src/tasks/approvals.js';
import type { Task } from '../../src/tasks/task-types.js';

const task = {
  task_id: 't1',
  tenant_id: 'default',
  session_id: 's1',
  status: 'running',
  options: { allowed_tools: ['Bash'], permission_mode: null, max_turns: null, timeout: null, model: null, require_approval: ['Bash'] },
} as unknown as Task;

const request = (request_id: string) => ({
  type: 'permission_request' as const,
  data: { request_id, tool_name: 'Bash', tool_use_id: null, input: { command: 'ls' }, reason: null, expires_at: '2030-01-01T00:00:00.000Z' },
});
const decision = (request_id: string, decided_by: 'client' | 'timeout' | 'task_ended', verdict: 'allow' | 'deny' = 'deny') => ({
  type: 'permission_decision' as const,
  data: { request_id, decision: verdict, decided_by, message: null },
});

/** Another instance's view of task t1: events in a shared log, the holder reached only through `relay`. */
function elsewhere(relay: (requestId: string, answer: PermissionAnswer) => Promise<void>) {
  const events = new EventLog(new MemoryStore());
  const local = new LocalApprovals({ emit: async () => undefined, logger: createLogger({ level: 'ERROR', sink: () => undefined }), now: () => new Date() });
  const anywhere = new Approvals({
    local,
    events,
    shared: true,
    runsHere: () => false,
    relay: (_taskId, requestId, answer) => relay(requestId, answer),
    relayWaitMs: 300,
  });
  return { events, anywhere };
}

const codeOf = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof DomainError ? error.code : String(error)),
  );

describe('Approvals (a task held by another instance)', () => {
  it('lists the requests no decision has settled, in order, from the events', () => {
    const at = (seq: number, e: ReturnType<typeof request> | ReturnType<typeof decision>) => ({
      ...e,
      seq,
      task_id: 't1',
      timestamp: `2026-01-01T00:00:0${seq}.000Z`,
    });
    const pending = pendingIn([at(1, request('a')), at(2, request('b')), at(3, decision('a', 'client')), at(4, request('c'))]);
    expect(pending.map((p) => [p.request_id, p.requested_at])).toEqual([
      ['b', '2026-01-01T00:00:02.000Z'],
      ['c', '2026-01-01T00:00:04.000Z'],
    ]);
  });

  it('relays an answer and returns once the holder recorded it as the client’s', async () => {
    const { events, anywhere } = elsewhere(async (requestId, answer) => {
      setTimeout(() => void events.append('t1', decision(requestId, 'client', answer.decision)), 20);
    });
    await events.append('t1', request('r1'));
    expect(await anywhere.pending(task)).toHaveLength(1);
    expect(await codeOf(anywhere.answer(task, 'r1', { decision: 'allow' }))).toBe('ok');
    expect(await anywhere.pending(task)).toEqual([]);
  });

  it('409 for a request that is not pending, without relaying anything', async () => {
    const relayed: string[] = [];
    const { events, anywhere } = elsewhere(async (requestId) => void relayed.push(requestId));
    await events.append('t1', request('r1'));
    await events.append('t1', decision('r1', 'timeout'));
    expect(await codeOf(anywhere.answer(task, 'r1', { decision: 'allow' }))).toBe('PERMISSION_REQUEST_NOT_PENDING');
    expect(await codeOf(anywhere.answer(task, 'never-asked', { decision: 'allow' }))).toBe('PERMISSION_REQUEST_NOT_PENDING');
    expect(relayed).toEqual([]);
  });

  it('409 when its timeout settled the call before the relayed answer arrived', async () => {
    const { events, anywhere } = elsewhere(async (requestId) => void events.append('t1', decision(requestId, 'timeout')));
    await events.append('t1', request('r1'));
    expect(await codeOf(anywhere.answer(task, 'r1', { decision: 'allow' }))).toBe('PERMISSION_REQUEST_NOT_PENDING');
  });

  it('503 INSTANCE_UNREACHABLE when the holder records no decision in time', async () => {
    const { events, anywhere } = elsewhere(async () => undefined);
    await events.append('t1', request('r1'));
    expect(await codeOf(anywhere.answer(task, 'r1', { decision: 'allow' }))).toBe('INSTANCE_UNREACHABLE');
  });
});
