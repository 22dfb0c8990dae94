import { describe, expect, it } from 'vitest';
import type { SDKMessage } from '../../src/agent/sdk.js';
import { ToolGate, taskPermissionSettings, toolBaseName } from '../../src/agent/tool-gate.js';
import { TurnLimit } from '../../src/agent/turn-limit.js';

const assistant = (id: string, toolIds: string[] = [], parent: string | null = null) =>
  ({
    type: 'assistant',
    parent_tool_use_id: parent,
    message: { id, content: toolIds.map((t) => ({ type: 'tool_use', id: t, name: 'Bash', input: {} })) },
  }) as unknown as SDKMessage;
const results = (toolIds: string[], parent: string | null = null) =>
  ({
    type: 'user',
    parent_tool_use_id: parent,
    message: { role: 'user', content: toolIds.map((t) => ({ type: 'tool_result', tool_use_id: t, content: 'ok' })) },
  }) as unknown as SDKMessage;

describe('TurnLimit: max_turns counted as the CLI counts it', () => {
  it('lets the last allowed turn finish its tools, then stops before the model is asked again', () => {
    const limit = new TurnLimit(2);
    expect(limit.observe(assistant('m1', ['t1']))).toBe('pass');
    expect(limit.observe(results(['t1']))).toBe('pass');
    expect(limit.observe(assistant('m2', ['t2', 't3']))).toBe('pass');
    expect(limit.observe(results(['t2']))).toBe('pass');
    expect(limit.observe(results(['t3']))).toBe('pass-then-stop');
    expect(limit.reached).toBe(true);
    expect(limit.observe(assistant('m3', ['t4']))).toBe('drop');
  });

  it('counts one model response once, however many messages carry it, and ignores sub-agents', () => {
    const limit = new TurnLimit(1);
    expect(limit.observe(assistant('m1'))).toBe('pass');
    expect(limit.observe(assistant('m1', ['t1']))).toBe('pass');
    expect(limit.observe(assistant('sub', ['s1'], 't1'))).toBe('pass');
    expect(limit.observe(results(['s1'], 't1'))).toBe('pass');
    expect(limit.observe(results(['t1']))).toBe('pass-then-stop');
  });

  it('does not stop a run whose last allowed turn is a final answer', () => {
    const limit = new TurnLimit(1);
    expect(limit.observe(assistant('m1'))).toBe('pass');
    expect(limit.reached).toBe(false);
  });

  it("reports the stop as the CLI's error_max_turns result", () => {
    const limit = new TurnLimit(3);
    const result = { type: 'result', subtype: 'error_during_execution', is_error: true, num_turns: 4, errors: [], total_cost_usd: 0.5 } as unknown as Extract<
      SDKMessage,
      { type: 'result' }
    >;
    expect(limit.asMaxTurnsResult(result)).toMatchObject({
      subtype: 'error_max_turns',
      is_error: true,
      num_turns: 4,
      errors: ['Reached maximum number of turns (3)'],
      total_cost_usd: 0.5,
    });
  });
});

describe('ToolGate and per-task permission rules', () => {
  it('allows only the named tools, by base name, and nothing between tasks', () => {
    const gate = new ToolGate();
    expect(gate.refusalFor('Read')).toMatch(/no task is running/);
    gate.openFor(['Read', 'Bash(git:*)', 'Task']);
    expect(gate.refusalFor('Read')).toBeNull();
    expect(gate.refusalFor('Bash')).toBeNull();
    expect(gate.refusalFor('Agent')).toBeNull();
    expect(gate.refusalFor('Write')).toMatch(/not in this task's allowed_tools/);
    expect(gate.refusalFor('mcp__srv__tool')).toMatch(/not in this task's allowed_tools/);
    gate.shut('the task reached its turn limit (2)');
    expect(gate.refusalFor('Read')).toMatch(/turn limit/);
  });

  it('denies the unnamed built-in tools except the file tools, whose rules would cover the named ones, and keeps its own rules as allow rules', () => {
    const { permissions } = taskPermissionSettings(['Bash(git:*)', 'Grep']) as { permissions: { allow: string[]; deny: string[] } };
    expect(permissions.allow).toEqual(['Bash(git:*)', 'Grep']);
    expect(permissions.deny).toEqual(expect.arrayContaining(['WebFetch', 'Glob', 'Agent']));
    // A Read deny rule refuses Writes of every file; the gate refuses unnamed file tools instead.
    for (const tool of ['Read', 'Write', 'Edit', 'NotebookEdit', 'Bash', 'Grep']) expect(permissions.deny).not.toContain(tool);
    expect(toolBaseName('KillShell')).toBe('TaskStop');
  });
});
