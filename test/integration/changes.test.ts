import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** One task that writes, edits and deletes files with the agent's own tools, and makes a binary file with Bash. */
function editingScript(workspace: string): string {
  const file = (name: string) => path.join(workspace, name);
  return JSON.stringify({
    steps: [
      { tool: { name: 'Write', input: { file_path: file('created.txt'), content: 'brand new\nfile\n' } } },
      { tool: { name: 'Read', input: { file_path: file('edited.txt') } } },
      { tool: { name: 'Edit', input: { file_path: file('edited.txt'), old_string: 'two', new_string: 'TWO' } } },
      {
        tool: {
          name: 'Bash',
          input: { command: `rm '${file('deleted.txt')}' && printf 'a\\000b' > '${file('blob.bin')}'`, description: 'Delete and make a binary' },
        },
      },
      { text: 'Changed the files.' },
    ],
  });
}

function seed(workspace: string): void {
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, 'edited.txt'), 'one\ntwo\nthree\n');
  writeFileSync(path.join(workspace, 'deleted.txt'), 'old content\n');
  writeFileSync(path.join(workspace, 'untouched.txt'), 'same\n');
}

const EXPECTED_FILES = [
  { path: 'blob.bin', change: 'created', additions: null, deletions: null, binary: true },
  { path: 'created.txt', change: 'created', additions: 2, deletions: 0, binary: false },
  { path: 'deleted.txt', change: 'deleted', additions: 0, deletions: 1, binary: false },
  { path: 'edited.txt', change: 'modified', additions: 1, deletions: 1, binary: false },
];

describe('what a task changed: changed_files and GET /api/v1/tasks/{id}/diff', () => {
  let server: TestServer;
  const api = (method: string, p: string, body?: unknown) => request(server.baseUrl, method, p, body);

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function runEditingTask(taskId: string, workspaceName: string): Promise<{ task: Record<string, unknown>; diff: string }> {
    const workspace = path.join(server.workspaceRoot, workspaceName);
    expect((await api('POST', '/api/v1/tasks', { task_id: taskId, workspace: workspaceName, prompt: `[[script:${editingScript(workspace)}]]` })).status).toBe(
      201,
    );
    const task = await waitForStatus(server.baseUrl, taskId, ['completed', 'failed']);
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    const response = await fetch(`${server.baseUrl}/api/v1/tasks/${taskId}/diff`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/x-diff/);
    return { task, diff: await response.text() };
  }

  it('a plain folder: files created, modified and deleted, with a unified diff from a snapshot', async () => {
    seed(path.join(server.workspaceRoot, 'plain'));
    const { task, diff } = await runEditingTask('changes-plain', 'plain');
    expect(task.changed_files).toEqual(EXPECTED_FILES);
    expect(diff).toContain('--- /dev/null\n+++ b/created.txt\n');
    expect(diff).toContain('+brand new\n+file\n');
    expect(diff).toContain('--- a/edited.txt\n+++ b/edited.txt\n');
    expect(diff).toMatch(/-two\n\+TWO\n/);
    expect(diff).toContain('--- a/deleted.txt\n+++ /dev/null\n');
    expect(diff).not.toContain('untouched');
    expect(diff).not.toContain('blob.bin');
  });

  it('a git repository: the same report through git, without touching the index, HEAD or history', async () => {
    const workspace = path.join(server.workspaceRoot, 'repo');
    seed(workspace);
    // The agent's sandbox user owns the workspace after the task, so root's git must be told it is safe.
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'safe.directory=*', '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: workspace, encoding: 'utf8' });
    git('init', '-q');
    writeFileSync(path.join(workspace, '.gitignore'), 'ignored.log\n');
    git('add', '-A');
    git('commit', '-qm', 'base');
    const indexHash = () =>
      createHash('sha256')
        .update(readFileSync(path.join(workspace, '.git', 'index')))
        .digest('hex');
    const before = { index: indexHash(), head: git('rev-parse', 'HEAD'), log: git('log', '--oneline') };
    writeFileSync(path.join(workspace, 'ignored.log'), 'noise\n');

    const { task, diff } = await runEditingTask('changes-git', 'repo');
    expect(task.changed_files).toEqual(EXPECTED_FILES);
    expect(diff).toContain('diff --git a/created.txt b/created.txt\nnew file mode');
    expect(diff).toMatch(/-two\n\+TWO\n/);
    expect(diff).toContain('diff --git a/deleted.txt b/deleted.txt\ndeleted file mode');
    expect(diff).toContain('Binary files /dev/null and b/blob.bin differ');
    expect(diff).not.toContain('ignored.log');
    expect({ index: indexHash(), head: git('rev-parse', 'HEAD'), log: git('log', '--oneline') }).toEqual(before);
    expect(git('status', '--porcelain')).toContain('?? created.txt');
  });

  it('a task that changed nothing has an empty list and an empty diff; a running one has no diff yet', async () => {
    await api('POST', '/api/v1/tasks', { task_id: 'changes-none', prompt: '[[script:remember]] remember nothing' });
    await waitForStatus(server.baseUrl, 'changes-none', ['completed']);
    expect((await api('GET', '/api/v1/tasks/changes-none')).body.changed_files).toEqual([]);
    expect(await (await fetch(`${server.baseUrl}/api/v1/tasks/changes-none/diff`)).text()).toBe('');

    await api('POST', '/api/v1/tasks', { task_id: 'changes-running', prompt: '[[script:slow]] wait' });
    await waitForStatus(server.baseUrl, 'changes-running', ['running']);
    const early = await api('GET', '/api/v1/tasks/changes-running/diff');
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ error: { code: 'TASK_NOT_FINISHED' } });
    expect((await api('GET', '/api/v1/tasks/changes-running')).body.changed_files).toBeNull();
    await api('POST', '/api/v1/tasks/changes-running/interrupt');
    expect((await api('GET', '/api/v1/tasks/no-such-task/diff')).status).toBe(404);
  });

  it('the agent cannot act before the baseline is taken: its first write counts even while a large baseline runs', async () => {
    // The prompt goes out while the baseline is taken; the agent's first model call waits for it
    // at the credential proxy. A warm process would otherwise act at once, while the baseline
    // still hashes thousands of files that appeared since the last task.
    const workspace = path.join(server.workspaceRoot, 'large-baseline');
    mkdirSync(workspace, { recursive: true });
    expect((await api('POST', '/api/v1/tasks', { task_id: 'changes-gated-1', workspace: 'large-baseline', prompt: 'warm up' })).status).toBe(201);
    expect((await waitForStatus(server.baseUrl, 'changes-gated-1', ['completed', 'failed'])).status).toBe('completed');
    for (let d = 0; d < 80; d++) {
      mkdirSync(path.join(workspace, `dir${d}`), { recursive: true });
      for (let f = 0; f < 100; f++) writeFileSync(path.join(workspace, `dir${d}`, `file${f}.txt`), `content ${d} ${f}\n`.repeat(40));
    }
    // The agent overwrites the file the baseline hashes last: without the hold, its new content
    // would be in the baseline, and the change would go unreported.
    const last = path.join(workspace, 'dir79', 'file99.txt');
    const prompt = `[[script:${JSON.stringify({ steps: [{ tool: { name: 'Write', input: { file_path: last, content: 'agent\n' } } }, { text: 'Done.' }] })}]]`;
    const session = { session_id: 'session-changes-gated-1', reuse_existing: true };
    expect((await api('POST', '/api/v1/tasks', { task_id: 'changes-gated-2', workspace: 'large-baseline', prompt, session })).status).toBe(201);
    const task = await waitForStatus(server.baseUrl, 'changes-gated-2', ['completed', 'failed']);
    expect(task.status).toBe('completed');
    expect(readFileSync(last, 'utf8')).toBe('agent\n');
    expect(task.changed_files).toEqual([{ path: 'dir79/file99.txt', change: 'modified', additions: 1, deletions: 40, binary: false }]);
  });
});
