import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startInstancePair, type InstancePair } from '../helpers/instance-pair.js';

/**
 * Files with two instances on one Redis and one WORKSPACE_ROOT: a file uploaded through A is
 * downloaded, listed and archived through B, and a task run by either reads it.
 */
describe('files in and out across instances (Redis)', () => {
  let pair: InstancePair;
  beforeAll(async () => {
    pair = await startInstancePair('files', {});
  });
  afterAll(async () => pair?.close());

  it('uploads on A, reads and archives on B', async () => {
    const { a, b } = pair;
    expect((await request(a.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'f-1', prompt: '[[script:write-file]]', workspace: 'shared-ws' })).status).toBe(201);
    expect((await waitForStatus(a.baseUrl, 'f-1', ['completed', 'failed'], 60_000)).status).toBe('completed');

    const put = await fetch(`${a.baseUrl}/api/v1/sessions/session-f-1/files?path=from-a.txt`, { method: 'PUT', body: 'written through A\n' });
    expect(put.status).toBe(201);
    const got = await fetch(`${b.baseUrl}/api/v1/sessions/session-f-1/files?path=from-a.txt`);
    expect([got.status, await got.text()]).toEqual([200, 'written through A\n']);
    const listing = await request<{ entries: { name: string }[] }>(b.baseUrl, 'GET', '/api/v1/sessions/session-f-1/files');
    expect(listing.body.entries.map((e) => e.name)).toEqual(['from-a.txt', 'hello.txt']);

    const read = await request(b.baseUrl, 'POST', '/api/v1/tasks', {
      task_id: 'f-2',
      prompt: '[[script:bash]][[cmd:cat from-a.txt]]',
      session: { session_id: 'session-f-1', reuse_existing: true },
    });
    expect(read.status).toBe(201);
    const done = await waitForStatus(b.baseUrl, 'f-2', ['completed', 'failed'], 60_000);
    expect(String(done.result)).toContain('written through A');

    const archive = await fetch(`${b.baseUrl}/api/v1/tasks/f-1/archive`);
    expect(archive.status).toBe(200);
    const names = execFileSync('tar', ['-tz'], { input: Buffer.from(await archive.arrayBuffer()) }).toString();
    expect(names.split('\n')).toEqual(expect.arrayContaining(['./from-a.txt', './hello.txt']));
  });
});
