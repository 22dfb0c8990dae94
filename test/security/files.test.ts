import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const ALPHA_KEY = 'alpha-files-key-7c2e91d04b';
const BETA_KEY = 'beta-files-key-3a6f08e5c1';
const sha = (key: string) => createHash('sha256').update(key).digest('hex');
const HOST_SECRET = 'host-secret-contents-5d1f';

/**
 * Files in and out, attacked by a tenant: traversal and absolute paths, symlinks planted by the
 * agent itself or on disk (to the host, to another tenant's tree, as a parent directory, as the
 * file itself), and another tenant's session and task. Nothing is read or written outside the
 * tenant's own tree, and an archive stores a link, never its target's contents.
 */
describe('file access through the API under attack', () => {
  let server: TestServer;
  let hostDir: string;
  let alphaDir: string;
  let betaDir: string;
  const as = (key: string) => ({ 'x-api-key': key });
  const put = (key: string, p: string, body: string) => fetch(`${server.baseUrl}${p}`, { method: 'PUT', body, headers: as(key) });
  const get = (key: string, p: string) => request(server.baseUrl, 'GET', p, undefined, as(key));
  const code = (body: unknown) => (body as { error?: { code?: string } }).error?.code;
  const run = async (key: string, body: Record<string, unknown>) => {
    expect((await request(server.baseUrl, 'POST', '/api/v1/tasks', body, as(key))).status).toBe(201);
    return waitForStatus(server.baseUrl, String(body.task_id), ['completed', 'failed'], 60_000, as(key));
  };

  beforeAll(async () => {
    const keys = path.join(process.env.TMPDIR ?? '/tmp', `ccs-files-keys-${process.pid}-${Date.now()}.yaml`);
    writeFileSync(keys, ['tenants:', '  - id: alpha', `    key_sha256: [${sha(ALPHA_KEY)}]`, '  - id: beta', `    key_sha256: [${sha(BETA_KEY)}]`].join('\n'));
    server = await startTestServer({ API_AUTH_ENABLED: 'true', API_KEYS_FILE: keys, API_API_KEY: 'files-admin-key-0e4b2a', FILE_UPLOAD_MAX_BYTES: '1000' });
    hostDir = path.join(server.dir, 'host-only');
    mkdirSync(hostDir);
    writeFileSync(path.join(hostDir, 'secret.txt'), HOST_SECRET);
    alphaDir = String((await run(ALPHA_KEY, { task_id: 'alpha-own', prompt: '[[script:write-file]]', workspace: 'alpha-ws' })).workspace);
    // The agent plants a link to the host's /etc itself.
    const planted = await run(BETA_KEY, { task_id: 'beta-own', prompt: '[[script:bash]][[cmd:ln -s /etc etc-link && mkdir real]]', workspace: 'beta-ws' });
    expect(planted.status).toBe('completed');
    betaDir = String(planted.workspace);
    symlinkSync(hostDir, path.join(betaDir, 'host-dir'));
    symlinkSync(path.join(hostDir, 'secret.txt'), path.join(betaDir, 'host-file'));
    symlinkSync(alphaDir, path.join(betaDir, 'alpha-dir'));
    symlinkSync('real', path.join(betaDir, 'linked-parent'));
  });
  afterAll(async () => server?.close());

  it('refuses traversal and absolute paths with 400 FILE_PATH_INVALID', async () => {
    for (const p of ['../alpha/alpha-ws/hello.txt', 'real/../../x', '/etc/passwd', '..', 'a/%00b']) {
      const q = encodeURIComponent(p).replace('%2500', '%00');
      const read = await get(BETA_KEY, `/api/v1/sessions/session-beta-own/files?path=${q}`);
      expect([read.status, code(read.body)], p).toEqual([400, 'FILE_PATH_INVALID']);
      const write = await put(BETA_KEY, `/api/v1/sessions/session-beta-own/files?path=${q}`, 'x');
      expect([write.status, code(await write.json())], p).toEqual([400, 'FILE_PATH_INVALID']);
    }
    expect(existsSync(path.join(server.workspaceRoot, 'beta', 'x'))).toBe(false);
  });

  it('never reads or writes through a symlink, whichever component it is', async () => {
    const through = ['etc-link/passwd', 'host-dir/secret.txt', 'host-file', 'alpha-dir/hello.txt', 'alpha-dir', 'linked-parent/new.txt', 'etc-link'];
    for (const p of through) {
      const read = await get(BETA_KEY, `/api/v1/sessions/session-beta-own/files?path=${encodeURIComponent(p)}`);
      expect([read.status, code(read.body)], `GET ${p}`).toEqual([400, 'FILE_PATH_SYMLINK']);
      expect(JSON.stringify(read.body)).not.toContain(HOST_SECRET);
      const write = await put(BETA_KEY, `/api/v1/sessions/session-beta-own/files?path=${encodeURIComponent(p)}`, 'planted');
      expect([write.status, code(await write.json())], `PUT ${p}`).toEqual([400, 'FILE_PATH_SYMLINK']);
    }
    for (const p of ['host-dir/x.txt', 'alpha-dir/x.txt', 'etc-link/x.txt', 'host-dir/sub/x.txt']) {
      expect((await put(BETA_KEY, `/api/v1/sessions/session-beta-own/files?path=${p}`, 'planted')).status).toBe(400);
    }
    expect(readdirSync(hostDir)).toEqual(['secret.txt']);
    expect(readFileSync(path.join(hostDir, 'secret.txt'), 'utf8')).toBe(HOST_SECRET);
    expect(readdirSync(alphaDir).sort()).toEqual(['hello.txt']);
    expect(readdirSync(path.join(betaDir, 'real'))).toEqual([]);
    expect(existsSync('/etc/x.txt')).toBe(false);

    const listing = await get(BETA_KEY, '/api/v1/sessions/session-beta-own/files');
    const entries = (listing.body as { entries: { name: string; type: string; sha256?: string }[] }).entries;
    expect(entries.find((e) => e.name === 'host-file')).toEqual({ name: 'host-file', type: 'symlink', size: expect.any(Number) });
    expect(entries.find((e) => e.name === 'etc-link')?.type).toBe('symlink');
  });

  it('archives a link to a host file as a link, without its contents', async () => {
    const response = await fetch(`${server.baseUrl}/api/v1/tasks/beta-own/archive`, { headers: as(BETA_KEY) });
    expect(response.status).toBe(200);
    const tar = execFileSync('gzip', ['-dc'], { input: Buffer.from(await response.arrayBuffer()) });
    expect(tar.includes(HOST_SECRET)).toBe(false);
    expect(tar.includes('root:x:0:0')).toBe(false);
    const listing = execFileSync('tar', ['-tv'], { input: tar }).toString();
    expect(listing).toMatch(/^l.* \.\/host-file -> .*secret\.txt$/m);
    expect(listing).toMatch(/^l.* \.\/etc-link -> \/etc$/m);
  });

  it("answers another tenant's session and task with 404, as if they did not exist", async () => {
    const read = await get(BETA_KEY, '/api/v1/sessions/session-alpha-own/files?path=hello.txt');
    expect([read.status, code(read.body)]).toEqual([404, 'SESSION_NOT_FOUND']);
    const write = await put(BETA_KEY, '/api/v1/sessions/session-alpha-own/files?path=stolen.txt', 'x');
    expect([write.status, code(await write.json())]).toEqual([404, 'SESSION_NOT_FOUND']);
    const archive = await get(BETA_KEY, '/api/v1/tasks/alpha-own/archive');
    expect([archive.status, code(archive.body)]).toEqual([404, 'TASK_NOT_FOUND']);
    const anonymous = await fetch(`${server.baseUrl}/api/v1/sessions/session-alpha-own/files?path=anon.txt`, { method: 'PUT', body: 'x' });
    expect(anonymous.status).toBe(401);
    expect(readdirSync(alphaDir).sort()).toEqual(['hello.txt']);
  });

  it('refuses an upload over the limit with 413 and writes nothing', async () => {
    const huge = await put(BETA_KEY, '/api/v1/sessions/session-beta-own/files?path=huge.bin', 'h'.repeat(1001));
    expect([huge.status, code(await huge.json())]).toEqual([413, 'FILE_TOO_LARGE']);
    expect(readdirSync(betaDir).filter((n) => n === 'huge.bin' || n.startsWith('.ccs-upload'))).toEqual([]);
  });
});
