import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { jsonLines, runCcs } from './helpers.js';

const KEY = 'ccs-trigger-admin-key-1234';

/** `ccs triggers …` against a server with auth on: the fire goes out with the trigger token only. */
describe('ccs triggers', () => {
  let server: TestServer;
  let withKey: Record<string, string>;
  let withoutKey: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_API_KEY: KEY });
    withKey = { CCS_URL: server.baseUrl, CCS_API_KEY: KEY };
    withoutKey = { CCS_URL: server.baseUrl };
  });
  afterAll(async () => {
    await server?.close();
  });

  it('create, list, show, fire (token only, from the environment too), rotate, delete', async () => {
    const created = await runCcs(['--json', 'triggers', 'create', '--name', 'from-cli', '--prompt', 'Fix it', '-w', 'cli-trig', '--max-turns', '4'], withKey);
    expect(created.code, created.stderr).toBe(0);
    const [issued] = jsonLines(created.stdout);
    expect(issued).toMatchObject({ name: 'from-cli', task: { prompt: 'Fix it', workspace: 'cli-trig', options: { max_turns: 4 } } });
    const id = String(issued!.trigger_id);
    const token = String(issued!.token);

    const list = await runCcs(['--json', 'triggers', 'list'], withKey);
    expect(jsonLines(list.stdout).map((t) => t.trigger_id)).toEqual([id]);
    expect(list.stdout).not.toContain(token);
    const shown = await runCcs(['triggers', 'show', id], withKey);
    expect(shown.stdout).toContain('from-cli');
    expect(shown.stdout).not.toContain(token);

    const fired = await runCcs(['--json', 'triggers', 'fire', id, '--token', token, '--text', 'build 7 broke'], withoutKey);
    expect(fired.code, fired.stderr).toBe(0);
    const [task] = jsonLines(fired.stdout);
    expect(task).toMatchObject({ trigger_id: id, prompt: 'Fix it\n\nbuild 7 broke' });
    await waitForStatus(server.baseUrl, String(task!.task_id), ['completed'], undefined, { 'x-api-key': KEY });
    const fromEnv = await runCcs(['triggers', 'fire', id], { ...withoutKey, CCS_TRIGGER_TOKEN: token });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stdout).toContain(`trigger ${id}`);
    const noToken = await runCcs(['triggers', 'fire', id], withoutKey);
    expect(noToken.code).toBe(2);

    const rotated = await runCcs(['triggers', 'rotate', id], withKey);
    expect(rotated.code).toBe(0);
    const fresh = /token\s+(\S+)/.exec(rotated.stdout)?.[1];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(token);
    const stale = await runCcs(['triggers', 'fire', id, '--token', token], withoutKey);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('TRIGGER_UNAUTHORIZED');
    expect((await runCcs(['triggers', 'fire', id, '--token', fresh!], withoutKey)).code).toBe(0);

    expect((await runCcs(['triggers', 'delete', id], withKey)).code).toBe(0);
    const gone = await runCcs(['triggers', 'show', id], withKey);
    expect(gone.stderr).toContain('TRIGGER_NOT_FOUND');
  });
});
