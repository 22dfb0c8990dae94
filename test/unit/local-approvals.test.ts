import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../../src/events/event-types.js';
import { DomainError } from '../../src/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { LocalApprovals } from '../../src/tasks/local-approvals.js';
import type { Task } from '../../src/tasks/task-types.js';

function taskWith(options: Partial<Task['options']>): Task {
  return {
    task_id: 't1',
    tenant_id: 'default',
    session_id: 's1',
    options: { allowed_tools: null, permission_mode: null, max_turns: null, timeout: null, model: null, ...options },
  } as Task;
}

function registry() {
  const events: { taskId: string; event: EventDraft }[] = [];
  const notified: string[] = [];
  let n = 0;
  const permissions = new LocalApprovals({
    emit: async (taskId, event) => events.push({ taskId, event }),
    notify: async (_task, request) => {
      notified.push(request.request_id);
    },
    logger: createLogger({ level: 'ERROR', sink: () => undefined }),
    now: () => new Date('2026-01-01T00:00:00Z'),
    newId: () => `perm_${++n}`,
  });
  return { permissions, events, notified };
}

const call = { toolName: 'Bash', input: { command: 'ls' }, toolUseId: 'toolu_1' };

describe('LocalApprovals', () => {
  it('needs no approval when require_approval is empty', () => {
    expect(registry().permissions.approvalFor(taskWith({ require_approval: [] }))).toBeNull();
    expect(registry().permissions.approvalFor(taskWith({}))).toBeNull();
  });

  it('holds a call until the client allows it, with updated input, and forgets it then', async () => {
    const { permissions, events, notified } = registry();
    const approval = permissions.approvalFor(taskWith({ require_approval: ['Bash'], approval_timeout: 30 }))!;
    const decided = approval.ask(call);
    expect(permissions.pending('t1')).toEqual([
      {
        request_id: 'perm_1',
        tool_name: 'Bash',
        tool_use_id: 'toolu_1',
        input: { command: 'ls' },
        reason: null,
        requested_at: '2026-01-01T00:00:00.000Z',
        expires_at: '2026-01-01T00:00:30.000Z',
      },
    ]);
    expect(notified).toEqual(['perm_1']);
    permissions.answer('t1', 'perm_1', { decision: 'allow', updated_input: { command: 'pwd' } });
    expect(await decided).toEqual({ allow: true, updatedInput: { command: 'pwd' } });
    expect(permissions.pending('t1')).toEqual([]);
    expect(events.map((e) => e.event.type)).toEqual(['permission_request', 'permission_decision']);
    expect(() => permissions.answer('t1', 'perm_1', { decision: 'deny' })).toThrow(DomainError);
  });

  it("denies with the client's message", async () => {
    const { permissions } = registry();
    const decided = permissions.approvalFor(taskWith({ require_approval: ['Bash'] }))!.ask(call);
    permissions.answer('t1', 'perm_1', { decision: 'deny', message: 'no' });
    expect(await decided).toEqual({ allow: false, message: 'The client denied this Bash call: no' });
  });

  it("denies every pending request of a task that ends, and only that task's", async () => {
    const { permissions, events } = registry();
    const approval = permissions.approvalFor(taskWith({ require_approval: ['Bash'] }))!;
    const first = approval.ask(call);
    const second = approval.ask({ ...call, toolUseId: 'toolu_2' });
    permissions.denyAll('other-task', 'stopped');
    expect(permissions.pending('t1')).toHaveLength(2);
    permissions.denyAll('t1', 'the task is stopping (interrupted)');
    expect((await first).allow).toBe(false);
    expect((await second).allow).toBe(false);
    expect(events.filter((e) => e.event.type === 'permission_decision').map((e) => e.event.data)).toEqual([
      { request_id: 'perm_1', decision: 'deny', decided_by: 'task_ended', message: 'the task is stopping (interrupted)' },
      { request_id: 'perm_2', decision: 'deny', decided_by: 'task_ended', message: 'the task is stopping (interrupted)' },
    ]);
  });

  it('denies a request nobody answers in time (fail-closed)', async () => {
    const { permissions, events } = registry();
    const decided = permissions.approvalFor(taskWith({ require_approval: ['Bash'], approval_timeout: 0.01 }))!.ask(call);
    expect((await decided).allow).toBe(false);
    expect(events.at(-1)?.event.data).toMatchObject({ decision: 'deny', decided_by: 'timeout' });
    expect(permissions.pending('t1')).toEqual([]);
  });
});
