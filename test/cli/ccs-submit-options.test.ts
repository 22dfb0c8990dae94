import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMcpHttpServer, type TestMcpHttpServer } from '../support/mcp/test-mcp-server.js';
import { request } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { jsonLines, runCcs } from './helpers.js';

describe('ccs submit options', () => {
  let server: TestServer;
  let mcp: TestMcpHttpServer;
  beforeAll(async () => {
    server = await startTestServer();
    mcp = await startTestMcpHttpServer();
  });
  afterAll(async () => {
    await server?.close();
    await mcp?.close();
  });

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

  it('--mcp sends MCP servers from JSON or @file, and refuses what is not a JSON object before any request', async () => {
    const env = { CCS_URL: server.baseUrl };
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'ccs-mcp-')), 'servers.json');
    writeFileSync(file, JSON.stringify({ docs: { type: 'http', url: mcp.url } }));
    const prompt = '[[script:call-tool]] [[tool:mcp__docs__echo]] [[input:{"text":"from ccs"}]]';
    const submitted = await runCcs(['submit', prompt, '--task-id', 'cli-mcp', '--mcp', `@${file}`, '--follow', '--json'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(jsonLines(submitted.stdout)).toContainEqual(
      expect.objectContaining({ type: 'tool_use', data: expect.objectContaining({ name: 'mcp__docs__echo' }) }),
    );
    const task = await request<{ result: string }>(server.baseUrl, 'GET', '/api/v1/tasks/cli-mcp');
    expect(task.body.result).toContain('echo: from ccs');

    for (const bad of ['not json', '[1]', '@/no/such/file.json']) {
      const refused = await runCcs(['submit', 'never sent', '--task-id', 'cli-mcp-bad', '--mcp', bad], env);
      expect(refused.code, bad).not.toBe(0);
      expect(refused.stderr, bad).toMatch(/must be JSON|must be a JSON object|cannot read/);
    }
    expect((await request(server.baseUrl, 'GET', '/api/v1/tasks/cli-mcp-bad')).status).toBe(404);
  });
});
