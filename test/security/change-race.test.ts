/**
 * The symlink race against change tracking, through the real daemon, CLI and sandbox: a process
 * that tenant alpha leaves running in its sandbox swaps a directory of its workspace with a
 * symlink to tenant beta's workspace (renameat2 RENAME_EXCHANGE, in a loop) while alpha's later
 * tasks run, so that every baseline and every finish walks a tree that changes under it. Beta's
 * file must never show in alpha's diffs, changed files or events. Bounded: five tasks. Run with
 * the server as root (a uid per tenant) and as an unprivileged user (user namespaces).
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedModel, type ScriptedModel } from '../../src/dev/scripted-model/index.js';
import { request, waitForStatus } from '../helpers/client.js';
import { handOver, startDaemon, type DaemonProcess } from '../helpers/daemon-process.js';

const isRoot = process.getuid?.() === 0;
const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const ALPHA_KEY = 'alpha-key-race-4b9e1c7a2f';
const BETA_KEY = 'beta-key-race-8d3f6a0e5c';
const RACED_TASKS = 5;

const SWAPPER = `import ctypes, os, time
libc = ctypes.CDLL(None, use_errno=True)
end = time.time() + 300
swaps = 0
while time.time() < end and not os.path.exists('stop'):
    # AT_FDCWD, RENAME_EXCHANGE: the directory and the symlink trade places atomically.
    libc.renameat2(-100, b'dir', -100, b'link', 2)
    swaps += 1
open('swaps.log', 'w').write('swaps=%d' % swaps)
`;

const MODES = [
  { name: 'root, a uid per tenant', asUser: undefined },
  { name: 'unprivileged, user namespaces', asUser: 65534 },
] as const;

describe.runIf(isRoot).each(MODES)('a symlink swapped in and out during change tracking never leads to another tenant ($name)', ({ asUser }) => {
  const BETA_FILE_CANARY = `canary-beta-race-${randomBytes(8).toString('hex')}`;
  let model: ScriptedModel;
  let daemon: DaemonProcess;
  let dir: string;
  const raced: { task: Record<string, unknown>; diff: string; events: string }[] = [];
  let swaps = 0;

  const as = (key: string) => (method: string, p: string, body?: unknown) => request(daemon.baseUrl, method, p, body, { 'x-api-key': key });

  async function runTask(key: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const submitted = await as(key)('POST', '/api/v1/tasks', body);
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(201);
    return waitForStatus(daemon.baseUrl, String(body.task_id), ['completed', 'failed', 'interrupted', 'timed_out'], 120_000, { 'x-api-key': key });
  }

  // One session: its live process, and the swapper left running in its sandbox, serve every task.
  const alpha = (taskId: string, cmd: string) =>
    runTask(ALPHA_KEY, {
      task_id: taskId,
      workspace: 'race',
      prompt: `[[script:bash]][[cmd:${cmd}]]`,
      session: { reuse_existing: taskId !== 'race-start', session_id: 'race' },
    });

  beforeAll(async () => {
    model = await startScriptedModel();
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-change-race-'));
    const workspaceRoot = path.join(dir, 'workspaces');
    const dataDir = path.join(dir, 'data');
    if (asUser !== undefined) handOver(asUser, workspaceRoot, dataDir);
    const keysFile = path.join(dir, 'keys.yaml');
    writeFileSync(
      keysFile,
      ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'),
    );
    daemon = await startDaemon(
      {
        CLAUDE_API_KEY: 'sk-ant-api03-race-test-key',
        CLAUDE_BASE_URL: model.url,
        WORKSPACE_ROOT: workspaceRoot,
        DATA_DIR: dataDir,
        API_AUTH_ENABLED: 'true',
        API_KEYS_FILE: keysFile,
        API_RATE_LIMIT_ENABLED: 'false',
        SESSION_MAX_CONCURRENT: '4',
        WARM_POOL_SIZE: '0',
      },
      { asUser },
    );
    expect((await runTask(BETA_KEY, { task_id: 'beta-1', workspace: 'beta-ws', prompt: '[[script:bash]][[cmd:echo hello > hello.txt]]' })).status).toBe(
      'completed',
    );
    const betaWs = path.join(workspaceRoot, 'beta', 'beta-ws');
    writeFileSync(path.join(betaWs, 'secret.txt'), `${BETA_FILE_CANARY}\n`);

    // A plain folder (no repository): the kind the old snapshot walked on the host.
    const race = path.join(workspaceRoot, 'alpha', 'race');
    mkdirSync(path.join(race, 'dir'), { recursive: true });
    writeFileSync(path.join(race, 'dir', 'own.txt'), 'alpha owns this\n');
    symlinkSync(betaWs, path.join(race, 'link'));
    writeFileSync(path.join(race, 'swap.py'), SWAPPER);
    if (asUser !== undefined) execFileSync('chown', ['-hR', `${asUser}:${asUser}`, race]);

    const started = await alpha('race-start', 'setsid nohup python3 swap.py > /dev/null 2>&1 < /dev/null & sleep 1; echo swapping');
    expect(started.status).toBe('completed');
    for (let i = 1; i <= RACED_TASKS; i++) {
      const taskId = `race-${i}`;
      const task = await alpha(taskId, `echo ${i} >> mine.txt; cat dir/own.txt > /dev/null 2>&1; echo done`);
      const diff = await (await fetch(`${daemon.baseUrl}/api/v1/tasks/${taskId}/diff`, { headers: { 'x-api-key': ALPHA_KEY } })).text();
      const events = JSON.stringify((await as(ALPHA_KEY)('GET', `/api/v1/tasks/${taskId}/events?format=json&limit=1000`)).body);
      raced.push({ task, diff, events });
    }
    await alpha('race-stop', 'touch stop; sleep 2; cat swaps.log; echo');
    const stopEvents = JSON.stringify((await as(ALPHA_KEY)('GET', '/api/v1/tasks/race-stop/events?format=json&limit=1000')).body);
    swaps = Number(/swaps=(\d+)/.exec(stopEvents)?.[1] ?? 0);
  }, 600_000);

  afterAll(async () => {
    await daemon?.stop('SIGTERM');
    await model?.close();
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  it('beta’s file never shows in alpha’s diffs, changed files or events', () => {
    expect(raced).toHaveLength(RACED_TASKS);
    // The race really ran the whole time.
    expect(swaps).toBeGreaterThan(1000);
    for (const { task, diff, events } of raced) {
      expect(diff).not.toContain(BETA_FILE_CANARY);
      expect(JSON.stringify(task)).not.toContain(BETA_FILE_CANARY);
      expect(events).not.toContain(BETA_FILE_CANARY);
      expect(JSON.stringify(task.changed_files ?? [])).not.toMatch(/secret\.txt|hello\.txt/);
    }
  });

  it('alpha’s own change is reported in every raced task', () => {
    for (const { task, diff } of raced) {
      expect(task.status).toBe('completed');
      expect((task.changed_files as { path: string }[]).map((f) => f.path)).toContain('mine.txt');
      expect(diff).toContain('+++ b/mine.txt\n');
    }
  });
});
