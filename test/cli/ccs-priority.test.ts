import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { jsonLines, runCcs } from './helpers.js';

describe('ccs submit --priority', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.close());

  it('sends the priority with the task, and refuses one outside 0..9 before any request', async () => {
    const env = { CCS_URL: server.baseUrl };
    const submitted = await runCcs(['submit', 'urgent', '--task-id', 'cli-prio', '--priority', '8', '--follow', '--json'], env);
    expect(submitted.code).toBe(0);
    expect(jsonLines(submitted.stdout).at(-1)).toMatchObject({ type: 'complete', data: { status: 'completed' } });
    const task = await request<{ options: { priority: number } }>(server.baseUrl, 'GET', '/api/v1/tasks/cli-prio');
    expect(task.body.options.priority).toBe(8);

    for (const bad of ['10', '-1', '2.5', 'high']) {
      const refused = await runCcs(['submit', 'never sent', '--task-id', `cli-bad-${bad}`, '--priority', bad], env);
      expect(refused.code, bad).not.toBe(0);
      expect(refused.stderr).toContain('must be an integer from 0 to 9');
    }
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks?limit=500')).body).toMatchObject({ tasks: [expect.objectContaining({ task_id: 'cli-prio' })] });
  });
});
