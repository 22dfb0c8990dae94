import { describe, expect, it } from 'vitest';
import type { TaskEvent } from '../../packages/client/src/index.js';
import { sessionUpdatesFor } from '../../src/cli/acp/session-updates.js';

const envelope = { task_id: 'task-1', seq: 4, timestamp: '2026-01-01T00:00:00.000Z' };

/** How ccs acp shows our task events to an editor (the wire round trip is in test/protocols/acp.test.ts). */
describe('ACP session updates from task events', () => {
  it('a tool call: kind and title from the tool, then its result, failed when it is an error', () => {
    const use = { ...envelope, type: 'tool_use', data: { tool_use_id: 't1', name: 'Bash', input: { command: 'ls -la' } } } as TaskEvent;
    expect(sessionUpdatesFor(use)).toEqual([
      {
        sessionUpdate: 'tool_call',
        toolCallId: 't1',
        title: 'Bash: ls -la',
        kind: 'execute',
        status: 'in_progress',
        rawInput: { command: 'ls -la' },
        locations: [],
      },
    ]);
    const result = { ...envelope, type: 'tool_result', data: { tool_use_id: 't1', content: 'denied', is_error: true } } as TaskEvent;
    expect(sessionUpdatesFor(result)).toEqual([
      expect.objectContaining({
        sessionUpdate: 'tool_call_update',
        toolCallId: 't1',
        status: 'failed',
        content: [{ type: 'content', content: { type: 'text', text: 'denied' } }],
      }),
    ]);
  });

  it("the agent's to-do list (TodoWrite) is also a plan", () => {
    const todos = [
      { content: 'read the code', status: 'completed', activeForm: 'Reading' },
      { content: 'fix the bug', status: 'in_progress', activeForm: 'Fixing' },
    ];
    const use = { ...envelope, type: 'tool_use', data: { tool_use_id: 't2', name: 'TodoWrite', input: { todos } } } as TaskEvent;
    expect(sessionUpdatesFor(use)[1]).toEqual({
      sessionUpdate: 'plan',
      entries: [
        { content: 'read the code', priority: 'medium', status: 'completed' },
        { content: 'fix the bug', priority: 'medium', status: 'in_progress' },
      ],
    });
  });

  it('a file tool names its file as a location; events without an ACP counterpart give nothing', () => {
    const write = { ...envelope, type: 'tool_use', data: { tool_use_id: 't3', name: 'Write', input: { file_path: '/w/a.txt', content: 'x' } } } as TaskEvent;
    expect(sessionUpdatesFor(write)[0]).toMatchObject({ kind: 'edit', title: 'Write: /w/a.txt', locations: [{ path: '/w/a.txt' }] });
    const progress = { ...envelope, type: 'progress', data: { turns: 1, input_tokens: 1, output_tokens: 1, cost_usd: 0, files_changed: [] } } as TaskEvent;
    expect(sessionUpdatesFor(progress)).toEqual([]);
  });
});
