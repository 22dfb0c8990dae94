import type { Task } from '../../src/tasks/task-types.js';

/** A stored task record for tests that build a store by hand: created now, started unless queued, nothing spent. */
export function taskRecord(id: string, status: Task['status'], fields: Partial<Task> = {}): Task {
  const createdAt = fields.created_at ?? new Date().toISOString();
  return {
    task_id: id,
    tenant_id: 't',
    session_id: `s-${id}`,
    prompt: 'p',
    workspace: '/w',
    status,
    options: { allowed_tools: null, permission_mode: null, max_turns: null, timeout: null, model: null },
    created_at: createdAt,
    started_at: status === 'queued' ? null : createdAt,
    completed_at: null,
    result: null,
    usage: { input_tokens: 0, output_tokens: 0 },
    num_turns: 0,
    cost_usd: 0,
    duration_ms: null,
    error: null,
    request_hash: 'h',
    webhook: null,
    changed_files: null,
    ...fields,
  };
}
