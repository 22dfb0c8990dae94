import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectEvents, request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { refusalCause } from '../helpers/tool-probes.js';

function inlineScript(steps: unknown[]): string {
  return `[[script:${JSON.stringify({ steps })}]]`;
}

const bashStep = (command: string) => ({ tool: { name: 'Bash', input: { command } } });
const reuse = (sessionId: string) => ({ reuse_existing: true, session_id: sessionId });
const SEED_OPTIONS = { allowed_tools: ['Read', 'Write', 'Edit', 'Bash'], permission_mode: 'acceptEdits', max_turns: 50 };

interface ToolResult {
  tool_use_id: string;
  content: string;
  is_error: boolean;
}

/** Each call's outcome: 'ran', or why it was refused (see refusalCause). */
const causes = (results: ToolResult[]) => results.map(refusalCause);

/**
 * Any task settings are served by a warm process (a claimed spare or a session's live process),
 * and a task never gets a tool outside its allowed_tools, whatever the process allowed before.
 */
describe('per-task tools, mode and turn limit on warm processes (real SDK and CLI)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SESSION_MAX_CONCURRENT: '3', WARM_POOL_SIZE: '1' });
    await waitFor(async () => server.agents.stats().spare === 1, 30_000);
  });
  afterAll(async () => server?.close());

  async function run(body: Record<string, unknown>): Promise<{ task: Record<string, unknown>; toolResults: ToolResult[] }> {
    const submitted = await request(server.baseUrl, 'POST', '/api/v1/tasks', body);
    expect(submitted.status).toBe(201);
    const taskId = String(submitted.body.task_id);
    const { events } = await collectEvents(`${server.wsBase}/ws/tasks/${taskId}`);
    const task = await waitForStatus(server.baseUrl, taskId, ['completed', 'failed', 'interrupted', 'timed_out']);
    const toolResults = events.filter((e) => e.type === 'tool_result').map((e) => e.data as ToolResult);
    return { task, toolResults };
  }

  const waitForSpare = () => waitFor(async () => server.agents.stats().spare === 1, 30_000);
  /** Done with a session, as an orchestrator would be: its process goes and a spare can take its slot. */
  const release = async (...taskIds: string[]) => {
    for (const id of taskIds) await request(server.baseUrl, 'DELETE', `/api/v1/sessions/session-${id}`);
  };

  it("serves the seed's example options from the spare, with no cold start", async () => {
    await waitForSpare();
    const before = server.agents.stats();
    const { task } = await run({ task_id: 'seed-opts', prompt: '[[script:multi-tool]]', options: SEED_OPTIONS });
    expect(task.status).toBe('completed');
    const after = server.agents.stats();
    expect(after.starts.spare).toBe(before.starts.spare + 1);
    expect(after.starts.cold).toBe(before.starts.cold);
    expect(readFileSync(path.join(String(task.workspace), 'multi.txt'), 'utf8')).toContain('written by multi-tool');
    await release('seed-opts');
  });

  it('refuses a tool outside allowed_tools on a claimed spare: Bash when only Read is allowed', async () => {
    await waitForSpare();
    const before = server.agents.stats();
    const { task, toolResults } = await run({
      task_id: 'spare-no-bash',
      prompt: inlineScript([bashStep('touch bash-ran.txt'), { text: 'tried' }]),
      options: { allowed_tools: ['Read'] },
    });
    expect(server.agents.stats().starts.spare).toBe(before.starts.spare + 1);
    expect(task.status).toBe('completed');
    expect(causes(toolResults)).toEqual(['not allowed']);
    expect(existsSync(path.join(String(task.workspace), 'bash-ran.txt'))).toBe(false);
    await release('spare-no-bash');
  });

  it('refuses Write and Edit outside allowed_tools even under acceptEdits, which approves edits by itself', async () => {
    await waitForSpare();
    const { task, toolResults } = await run({
      task_id: 'spare-no-write',
      prompt: inlineScript([{ tool: { name: 'Write', input: { file_path: 'written.txt', content: 'x' } } }, { text: 'tried' }]),
      options: { allowed_tools: ['Read', 'Bash'], permission_mode: 'acceptEdits' },
    });
    // The gate's refusal, not a permission rule's: no rule may name a file tool.
    expect(toolResults[0]?.content).toContain("Tool Write is not in this task's allowed_tools.");
    expect(causes(toolResults)).toEqual(['not allowed']);
    expect(existsSync(path.join(String(task.workspace), 'written.txt'))).toBe(false);
    const pid = server.agents.livePid('session-spare-no-write');
    const edit = await run({
      task_id: 'reuse-no-edit',
      prompt: inlineScript([
        bashStep('echo original > edited.txt'),
        { tool: { name: 'Read', input: { file_path: path.join(String(task.workspace), 'edited.txt') } } },
        { tool: { name: 'Edit', input: { file_path: path.join(String(task.workspace), 'edited.txt'), old_string: 'original', new_string: 'changed' } } },
        { text: 'tried' },
      ]),
      options: { allowed_tools: ['Read', 'Bash'], permission_mode: 'acceptEdits' },
      session: reuse('session-spare-no-write'),
    });
    expect(server.agents.livePid('session-spare-no-write')).toBe(pid);
    expect(causes(edit.toolResults)).toEqual(['ran', 'ran', 'not allowed']);
    expect(readFileSync(path.join(String(task.workspace), 'edited.txt'), 'utf8')).toBe('original\n');
    await release('spare-no-write');
  });

  it('runs Write and Edit when allowed_tools leaves out Read, and refuses Read for not being listed', async () => {
    await waitForSpare();
    const ws = (name: string) => path.join(realpathSync(server.workspaceRoot), 'no-read', name);
    const write = await run({
      task_id: 'no-read-write',
      workspace: 'no-read',
      prompt: inlineScript([
        { tool: { name: 'Write', input: { file_path: ws('notes.txt'), content: 'first\n' } } },
        bashStep("sh -c 'echo bash > bash.txt'"),
        { tool: { name: 'Read', input: { file_path: ws('notes.txt') } } },
        { text: 'done' },
      ]),
      options: { allowed_tools: ['Write', 'Bash'] },
    });
    expect(write.task.status).toBe('completed');
    expect(causes(write.toolResults)).toEqual(['ran', 'ran', 'not allowed']);
    expect(readFileSync(ws('notes.txt'), 'utf8')).toBe('first\n');
    expect(readFileSync(ws('bash.txt'), 'utf8')).toBe('bash\n');
    // The same process, now with Edit alone: the Edit runs, the Write is refused.
    const pid = server.agents.livePid('session-no-read-write');
    const edit = await run({
      task_id: 'no-read-edit',
      workspace: 'no-read',
      prompt: inlineScript([
        { tool: { name: 'Edit', input: { file_path: ws('notes.txt'), old_string: 'first', new_string: 'second' } } },
        { tool: { name: 'Write', input: { file_path: ws('other.txt'), content: 'x' } } },
        { text: 'done' },
      ]),
      options: { allowed_tools: ['Edit'] },
      session: reuse('session-no-read-write'),
    });
    expect(server.agents.livePid('session-no-read-write')).toBe(pid);
    expect(causes(edit.toolResults)).toEqual(['ran', 'not allowed']);
    expect(readFileSync(ws('notes.txt'), 'utf8')).toBe('second\n');
    expect(existsSync(ws('other.txt'))).toBe(false);
    await release('no-read-write');
  });

  it('refuses an unlisted tool to a subagent as well: Write when only Agent is listed', async () => {
    const file = path.join(realpathSync(server.workspaceRoot), 'subagent', 'sub.txt');
    const inner = inlineScript([{ tool: { name: 'Write', input: { file_path: file, content: 'x' } } }, { text: 'sub done' }]);
    const { task } = await run({
      task_id: 'subagent-no-write',
      workspace: 'subagent',
      prompt: inlineScript([{ tool: { name: 'Agent', input: { description: 'write', prompt: inner, subagent_type: 'general-purpose' } } }, { text: 'done' }]),
      options: { allowed_tools: ['Agent'] },
    });
    expect(task.status).toBe('completed');
    // The subagent's calls are not task events; the model is told of the refusal in the subagent's next request.
    const refusal = "Tool Write is not in this task's allowed_tools.";
    await waitFor(async () => server.model.requests.some((r) => JSON.stringify(r.body).includes(refusal)));
    expect(existsSync(file)).toBe(false);
    await release('subagent-no-write');
  });

  it('refuses a tool on a reused live process whose earlier task was allowed it', async () => {
    const first = await run({
      task_id: 'reuse-bash-1',
      prompt: inlineScript([bashStep('touch first.txt'), { text: 'ok' }]),
      options: { allowed_tools: ['Bash'] },
    });
    expect(causes(first.toolResults)).toEqual(['ran']);
    expect(existsSync(path.join(String(first.task.workspace), 'first.txt'))).toBe(true);
    const pid = server.agents.livePid('session-reuse-bash-1');
    expect(pid).not.toBeNull();

    const second = await run({
      task_id: 'reuse-bash-2',
      prompt: inlineScript([bashStep('touch second.txt'), { text: 'tried' }]),
      options: { allowed_tools: ['Read'] },
      session: reuse('session-reuse-bash-1'),
    });
    expect(server.agents.livePid('session-reuse-bash-1')).toBe(pid);
    expect(causes(second.toolResults)).toEqual(['not allowed']);
    expect(existsSync(path.join(String(first.task.workspace), 'second.txt'))).toBe(false);

    // And back: the tool is granted again when the next task asks for it, in the same process.
    const third = await run({
      task_id: 'reuse-bash-3',
      prompt: inlineScript([bashStep('touch third.txt'), { text: 'ok' }]),
      options: { allowed_tools: ['Bash'] },
      session: reuse('session-reuse-bash-1'),
    });
    expect(server.agents.livePid('session-reuse-bash-1')).toBe(pid);
    expect(causes(third.toolResults)).toEqual(['ran']);
    expect(existsSync(path.join(String(first.task.workspace), 'third.txt'))).toBe(true);
    await release('reuse-bash-1');
  });

  it("stops a reused process's task at its own max_turns, as the CLI's limit does, and the session goes on", async () => {
    await run({ task_id: 'turns-0', prompt: '[[script:remember]] remember kiwi', options: { max_turns: 50 } });
    const pid = server.agents.livePid('session-turns-0');
    const steps = [1, 2, 3, 4].map((n) => bashStep(`echo turn-${n} >> turns.txt`));
    const { task, toolResults } = await run({
      task_id: 'turns-1',
      prompt: inlineScript(steps),
      options: { max_turns: 2, allowed_tools: ['Bash'] },
      session: reuse('session-turns-0'),
    });
    expect(task).toMatchObject({ status: 'failed', num_turns: 3, error: { code: 'AGENT_MAX_TURNS', message: 'The agent reached its turn limit (3 turns)' } });
    // The tools of the last allowed turn ran; nothing after it did.
    expect(causes(toolResults)).toEqual(['ran', 'ran']);
    expect(readFileSync(path.join(String(task.workspace), 'turns.txt'), 'utf8')).toBe('turn-1\nturn-2\n');
    expect(server.agents.livePid('session-turns-0')).toBe(pid);

    const after = await run({ task_id: 'turns-2', prompt: '[[script:recall]] still?', options: { max_turns: 1 }, session: reuse('session-turns-0') });
    expect(after.task, JSON.stringify(after.task.error)).toMatchObject({ status: 'completed', result: expect.stringContaining('kiwi') });
    expect(server.agents.livePid('session-turns-0')).toBe(pid);
    await release('turns-0');
  });

  it('serves a random subset of tools, in a random mode, from a warm process', async () => {
    await waitForSpare();
    const before = server.agents.stats();
    const tools = ['Read', 'Write', 'Edit', 'Glob', 'Grep', 'Bash'].filter(() => Math.random() < 0.5);
    const { task, toolResults } = await run({
      task_id: 'random-subset',
      prompt: inlineScript([bashStep('touch random.txt'), { text: 'ok' }]),
      options: { allowed_tools: tools, permission_mode: Math.random() < 0.5 ? 'acceptEdits' : 'default', max_turns: 7 },
    });
    expect(task.status).toBe('completed');
    expect(server.agents.stats().starts.cold).toBe(before.starts.cold);
    const bashAllowed = tools.includes('Bash');
    expect(causes(toolResults), JSON.stringify(tools)).toEqual([bashAllowed ? 'ran' : 'not allowed']);
    expect(existsSync(path.join(String(task.workspace), 'random.txt'))).toBe(bashAllowed);
  });
});
