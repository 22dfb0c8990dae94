import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/observability/logger.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { Retention } from '../../src/tasks/retention.js';
import { makeSession, makeTask } from '../contract/store.contract.js';
import type { Task, TaskStatus } from '../../src/tasks/task-types.js';

const NOW = new Date('2026-06-30T12:00:00.000Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

function task(id: string, status: TaskStatus, completedDaysAgo: number | null): Task {
  return makeTask({
    task_id: id,
    session_id: `session-${id}`,
    status,
    created_at: daysAgo(60),
    completed_at: completedDaysAgo === null ? null : daysAgo(completedDaysAgo),
  });
}

describe('Retention', () => {
  it('deletes finished tasks older than the retention period, with their events, in batches', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 450; i++) {
      await store.insertTask(task(`old-${i}`, 'completed', 31));
      await store.appendEvent({ seq: 1, task_id: `old-${i}`, type: 'message', timestamp: daysAgo(31), data: { role: 'assistant', text: 'x' } });
    }
    await store.insertTask(task('old-failed', 'failed', 40));
    await store.insertTask(task('recent', 'completed', 29));
    await store.insertTask(task('running', 'running', null));
    await store.insertTask(task('queued', 'queued', null));

    await store.insertSession(makeSession({ session_id: 'old-expired', status: 'expired', last_activity_at: daysAgo(31) }));
    await store.insertSession(makeSession({ session_id: 'recent-expired', status: 'expired', last_activity_at: daysAgo(2) }));
    await store.insertSession(makeSession({ session_id: 'old-idle', status: 'idle', last_activity_at: daysAgo(90) }));

    const retention = new Retention(store, 30, 3_600_000, silentLogger, () => NOW);
    expect(await retention.runOnce()).toBe(451);
    expect((await store.listSessions()).map((s) => s.session_id).sort()).toEqual(['old-idle', 'recent-expired']);
    const left = (await store.listTasks({ limit: 500 })).items.map((t) => t.task_id).sort();
    expect(left).toEqual(['queued', 'recent', 'running']);
    expect(await store.readEvents('old-1', 0)).toEqual([]);
  });

  it('keeps everything when TASK_RETENTION_DAYS is 0', async () => {
    const store = new MemoryStore();
    await store.insertTask(task('ancient', 'completed', 3650));
    const retention = new Retention(store, 0, 3_600_000, silentLogger, () => NOW);
    retention.start();
    await retention.stop();
    expect(await store.getTask('ancient')).not.toBeNull();
  });
});
