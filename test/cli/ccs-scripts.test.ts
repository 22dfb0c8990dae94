import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcsClient, type TaskEvent } from '../../packages/client/src/index.js';
import { waitFor } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { expectGapFree, inlineScript, pausingTask } from '../client/helpers.js';
import { jsonLines, runCcs, spawnCcs } from './helpers.js';

/** The built `ccs` binary as a script uses it: piped output, --json lines, exit codes. */
describe('ccs for scripts', () => {
  let server: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0' });
    env = { CCS_URL: server.baseUrl };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('health --json', async () => {
    const { code, stdout } = await runCcs(['health', '--json'], env);
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toEqual([expect.objectContaining({ status: 'healthy', version: expect.any(String) })]);
  });

  it('submit --follow --json: one event per line, gap-free, exit 0 when completed', async () => {
    const { code, stdout } = await runCcs(
      ['--json', 'submit', '[[script:bash]] [[cmd:echo from-ccs]]', '--workspace', 'cli', '--task-id', 'cli-ok', '--follow'],
      env,
    );
    expect(code).toBe(0);
    const events = jsonLines(stdout) as unknown as TaskEvent[];
    expectGapFree(events);
    expect(events.find((e) => e.type === 'tool_result')?.data).toMatchObject({ content: expect.stringContaining('from-ccs') });
    expect(events.at(-1)).toMatchObject({ type: 'complete', task_id: 'cli-ok', data: { status: 'completed' } });
  });

  it('submit without --follow prints the submission; show, tasks, sessions, logs read it back', async () => {
    const submitted = await runCcs(['submit', 'plain echo', '--task-id', 'cli-bg', '--json'], env);
    expect(submitted.code).toBe(0);
    expect(jsonLines(submitted.stdout)).toEqual([expect.objectContaining({ task_id: 'cli-bg', session_id: 'session-cli-bg' })]);
    await new CcsClient({ baseUrl: server.baseUrl }).tasks.run({ task_id: 'cli-bg', prompt: 'plain echo' });

    const show = await runCcs(['show', 'cli-bg', '--json'], env);
    expect(jsonLines(show.stdout)).toEqual([expect.objectContaining({ task_id: 'cli-bg', status: 'completed' })]);
    const tasks = await runCcs(['tasks', '--json', '--status', 'completed'], env);
    expect(jsonLines(tasks.stdout).map((t) => t.task_id)).toEqual(expect.arrayContaining(['cli-bg', 'cli-ok']));
    const sessions = await runCcs(['sessions', '--json'], env);
    expect(jsonLines(sessions.stdout).map((s) => s.session_id)).toContain('session-cli-bg');
    const logs = await runCcs(['logs', 'cli-bg', '--json'], env);
    expect(logs.code).toBe(0);
    expectGapFree(jsonLines(logs.stdout) as unknown as TaskEvent[]);
    const followed = await runCcs(['logs', 'cli-bg', '--follow', '--json', '--transport', 'sse'], env);
    expect(followed.stdout).toBe(logs.stdout);

    // The person's view of the same, through a pipe: plain lines, no colour codes, even under CI.
    const plain = await runCcs(['show', 'cli-bg'], { ...env, CI: 'true' });
    expect(plain.stdout).toMatch(/^status\s+completed$/m);
    expect(plain.stdout).not.toContain('\x1b[');
    const table = await runCcs(['tasks'], env);
    expect(table.stdout.split('\n')[0]).toMatch(/^TASK\s+STATUS\s+SESSION/);
  });

  it('--session continues a session, starting it when it does not exist yet', async () => {
    const first = await runCcs(['--json', 'submit', '[[script:remember]] remember banana', '--session', 'cli-mem', '--follow'], env);
    expect(first.code).toBe(0);
    const second = await runCcs(['--json', 'submit', '[[script:recall]]', '--session', 'cli-mem', '--follow'], env);
    expect(second.code).toBe(0);
    const complete = jsonLines(second.stdout).at(-1) as { data: { result: string } };
    expect(complete.data.result).toContain('banana');
  });

  it('follows a run for a person through a pipe: plain lines, tool calls summarised, results truncated', async () => {
    const prompt = inlineScript([{ tool: { name: 'Bash', input: { command: 'seq 1 50' } } }, { text: 'Counted to fifty.' }]);
    const { code, stdout } = await runCcs(['submit', prompt, '--tools', 'Bash', '--follow'], { ...env, CI: 'true' });
    expect(code).toBe(0);
    expect(stdout).not.toContain('\x1b[');
    expect(stdout).toContain('→ Bash(seq 1 50)');
    expect(stdout).toMatch(/⎿ 1\n\s+2\n\s+3\n\s+4\n\s+… \(\+46 more lines\)/);
    expect(stdout).toContain('Counted to fifty.');
    expect(stdout).toMatch(/· turn 1 · [\d,]+ tokens/);
    expect(stdout).toMatch(/✔ completed in (?:\d+ms|[\d.]+s|\d+m\d{2}s) · \d+ turns? · [\d,]+ tokens · \$\d+\.\d{4}/);
  });

  it('exit code 1 for a failed task, 4 for a timed-out one', async () => {
    const failed = await runCcs(['--json', 'submit', '[[script:api-error]]', '--follow'], env);
    expect(failed.code).toBe(1);
    expect(jsonLines(failed.stdout).at(-1)).toMatchObject({ type: 'complete', data: { status: 'failed', error: { code: 'AGENT_API_ERROR' } } });
    const timedOut = await runCcs(['--json', 'submit', '[[script:slow]]', '--timeout', '1', '--follow'], env);
    expect(timedOut.code).toBe(4);
    expect(jsonLines(timedOut.stdout).at(-1)).toMatchObject({ data: { status: 'timed_out' } });
  });

  it('exit code 5 when the followed task is interrupted by `ccs interrupt`', async () => {
    const follower = spawnCcs(['--json', 'submit', pausingTask(30_000), '--tools', 'Bash', '--task-id', 'cli-stop', '--follow'], env);
    await waitFor(async () => follower.stdout().includes('"tool_result"'));
    const interrupt = await runCcs(['interrupt', 'cli-stop', '--json'], env);
    expect(interrupt.code).toBe(0);
    expect(jsonLines(interrupt.stdout)).toEqual([expect.objectContaining({ task_id: 'cli-stop', status: 'interrupted' })]);
    expect(await follower.exited).toBe(5);
    expect(jsonLines(follower.stdout()).at(-1)).toMatchObject({ type: 'complete', data: { status: 'interrupted' } });
    // Interrupting it again: the API's 409, as exit code 3 with the code on stderr.
    const again = await runCcs(['interrupt', 'cli-stop'], env);
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('TASK_NOT_RUNNING');
  });

  it('API errors exit 3 with the code and request id; usage errors exit 2', async () => {
    const missing = await runCcs(['show', 'no-such-task'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/TASK_NOT_FOUND \(HTTP 404\).*\[request [\w-]+\]/);
    const invalid = await runCcs(['submit', '   '], env);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('VALIDATION_ERROR');
    expect((await runCcs(['tasks', '--limit', 'zero'], env)).code).toBe(2);
    expect((await runCcs(['frobnicate'], env)).code).toBe(2);
    expect((await runCcs(['submit'], env)).code).toBe(2);
    const unreachable = await runCcs(['health'], { CCS_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('Cannot reach http://127.0.0.1:9');
  });
});

describe('ccs configuration with auth enabled', () => {
  const KEY = 'cli-test-key-0123456789';
  let server: TestServer;
  let dir: string;

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0', API_AUTH_ENABLED: 'true', API_API_KEY: KEY });
    dir = mkdtempSync(path.join(tmpdir(), 'ccs-config-'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes the key from flags, CCS_API_KEY or the config file, flags first', async () => {
    const noKey = await runCcs(['tasks'], { CCS_URL: server.baseUrl });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain('UNAUTHORIZED');
    expect((await runCcs(['tasks'], { CCS_URL: server.baseUrl, CCS_API_KEY: KEY })).code).toBe(0);
    expect((await runCcs(['--api-key', KEY, 'tasks'], { CCS_URL: server.baseUrl, CCS_API_KEY: 'wrong-key-0123456789' })).code).toBe(0);

    const file = path.join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ url: server.baseUrl, api_key: KEY }));
    const fromFile = await runCcs(['--config', file, '--json', 'submit', 'hello from a config file', '--follow'], {});
    expect(fromFile.code).toBe(0);
    expect(jsonLines(fromFile.stdout).at(-1)).toMatchObject({ type: 'complete', data: { status: 'completed' } });
    // The default place: $XDG_CONFIG_HOME/ccs/config.json; the environment beats the file.
    const xdg = path.join(dir, 'xdg');
    const defaultFile = path.join(xdg, 'ccs', 'config.json');
    mkdirSync(path.dirname(defaultFile), { recursive: true });
    writeFileSync(defaultFile, JSON.stringify({ url: server.baseUrl, api_key: 'wrong-key-0123456789' }));
    expect((await runCcs(['tasks'], { XDG_CONFIG_HOME: xdg })).code).toBe(3);
    expect((await runCcs(['tasks'], { XDG_CONFIG_HOME: xdg, CCS_API_KEY: KEY })).code).toBe(0);

    writeFileSync(file, '{"url": ');
    const broken = await runCcs(['--config', file, 'tasks'], {});
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('is not valid JSON');
    expect((await runCcs(['--config', path.join(dir, 'missing.json'), 'tasks'], {})).code).toBe(2);
  });
});
