import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { jsonLines, runCcs } from './helpers.js';

/** `ccs fork`, the built binary against a real server. */
describe('ccs fork', () => {
  let server: TestServer;
  let env: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0' });
    env = { CCS_URL: server.baseUrl };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('forks at a task (--at), into a copy or a shared workspace (--share)', async () => {
    const submit = (prompt: string, taskId: string) => runCcs(['--json', 'submit', prompt, '--session', 'cli-src', '--task-id', taskId, '--follow'], env);
    expect((await submit('[[script:remember]] remember apple', 'cli-f1')).code).toBe(0);
    expect((await submit('[[script:remember]] remember banana', 'cli-f2')).code).toBe(0);

    const forked = await runCcs(['--json', 'fork', 'cli-src', '--at', 'cli-f1', '--name', 'cli-fork'], env);
    expect(forked.code, forked.stderr).toBe(0);
    const [session] = jsonLines(forked.stdout) as { session_id: string; workspace: string; forked_from: unknown }[];
    expect(session).toMatchObject({ session_id: 'cli-fork', forked_from: { session_id: 'cli-src', task_id: 'cli-f1' } });

    const recall = await runCcs(['--json', 'submit', '[[script:recall]]', '--session', 'cli-fork', '--follow'], env);
    expect(recall.code).toBe(0);
    const complete = jsonLines(recall.stdout).at(-1) as { data: { result: string } };
    expect(complete.data.result).toContain('remember apple');

    const shared = await runCcs(['fork', 'cli-src', '--share'], env);
    expect(shared.code, shared.stderr).toBe(0);
    expect(shared.stdout).toMatch(/^cli-src-fork-[0-9a-f]{8} · forked from cli-src at the end of task cli-f2\n/);
    expect(shared.stdout).toContain(`workspace: ${session!.workspace.replace('cli-fork', 'cli-src')} (shared)`);
  });

  it('exits 3 with the error code for a session that does not exist', async () => {
    const missing = await runCcs(['fork', 'no-such-session'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('SESSION_NOT_FOUND');
  });
});
