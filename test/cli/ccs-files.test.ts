import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { jsonLines, runCcs } from './helpers.js';

/** `ccs upload`, `ccs download` and `ccs archive`, the built binary against a real server. */
describe('ccs upload, download and archive', () => {
  let server: TestServer;
  let env: Record<string, string>;
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-files-cli-'));

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0' });
    env = { CCS_URL: server.baseUrl };
    expect(
      (await request(server.baseUrl, 'POST', '/api/v1/tasks', { task_id: 'cli-files', prompt: '[[script:write-file]]', workspace: 'cli-files' })).status,
    ).toBe(201);
    await waitForStatus(server.baseUrl, 'cli-files', ['completed'], 60_000);
  });
  afterAll(async () => server?.close());

  it('round-trips a file and archives the workspace', async () => {
    const local = path.join(dir, 'notes.bin');
    const bytes = Buffer.from([0, 1, 2, 3, 250, 251, 10, 13]);
    writeFileSync(local, bytes);
    const uploaded = await runCcs(['--json', 'upload', 'session-cli-files', local, '--path', 'in/notes.bin'], env);
    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(jsonLines(uploaded.stdout)[0]).toMatchObject({ path: 'in/notes.bin', size: bytes.length });

    const out = path.join(dir, 'back.bin');
    const downloaded = await runCcs(['download', 'session-cli-files', 'in/notes.bin', '-o', out], env);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(readFileSync(out)).toEqual(bytes);

    const tarball = path.join(dir, 'ws.tar.gz');
    const archived = await runCcs(['archive', 'cli-files', '-o', tarball], env);
    expect(archived.code, archived.stderr).toBe(0);
    const names = execFileSync('tar', ['-tzf', tarball]).toString().split('\n');
    expect(names).toEqual(expect.arrayContaining(['./hello.txt', './in/notes.bin']));

    const patch = await runCcs(['archive', 'cli-files', '--format', 'patch'], env);
    expect(patch.code, patch.stderr).toBe(0);
    expect(patch.stdout).toContain('+hello from the scripted model');
  });

  it('exits 3 with the error code for a path through .. or a missing file', async () => {
    const traversal = await runCcs(['download', 'session-cli-files', '../x'], env);
    expect(traversal.code).toBe(3);
    expect(traversal.stderr).toContain('FILE_PATH_INVALID');
    const missing = await runCcs(['download', 'session-cli-files', 'nope.txt'], env);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('FILE_NOT_FOUND');
  });
});
