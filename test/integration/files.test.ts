import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, waitFor, waitForStatus } from '../helpers/client.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const MAX = 4096;
const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

/**
 * Files in and out through the real daemon: an uploaded file is read and edited by the agent
 * (the real CLI against the scripted model), and the edit comes back in the tar.gz archive and
 * the patch; downloads and listings carry sizes and hashes; uploads over the limit leave nothing.
 */
describe('files in and out of a workspace', () => {
  let server: TestServer;
  let session: string;
  const url = (p: string) => `${server.baseUrl}${p}`;
  const put = (p: string, body: NonNullable<RequestInit['body']>, headers: Record<string, string> = {}) =>
    fetch(url(p), { method: 'PUT', body, headers, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
  const run = async (body: Record<string, unknown>) => {
    expect((await request(server.baseUrl, 'POST', '/api/v1/tasks', body)).status).toBe(201);
    return waitForStatus(server.baseUrl, String(body.task_id), ['completed', 'failed'], 60_000);
  };

  beforeAll(async () => {
    server = await startTestServer({ FILE_UPLOAD_MAX_BYTES: String(MAX) });
    const first = await run({ task_id: 'files-first', prompt: '[[script:write-file]]', workspace: 'files-ws' });
    expect(first.status).toBe('completed');
    session = String(first.session_id);
  });
  afterAll(async () => server?.close());

  it('uploads a file the agent reads and edits; the archive and the patch bring the edit back', async () => {
    const content = 'alpha line\nsecond line\n';
    const uploaded = await put(`/api/v1/sessions/${session}/files?path=docs/./in.txt`, content, { 'content-type': 'text/plain' });
    expect(uploaded.status).toBe(201);
    expect(await uploaded.json()).toEqual({ path: 'docs/in.txt', size: Buffer.byteLength(content), sha256: sha256(content) });

    const edited = await run({
      task_id: 'files-edit',
      prompt: '[[script:edit-file]][[file:docs/in.txt]][[old:alpha]][[new:omega]]',
      session: { session_id: session, reuse_existing: true },
    });
    expect(edited.status).toBe('completed');
    const events = await request<{ events: { type: string; data: { content?: unknown } }[] }>(
      server.baseUrl,
      'GET',
      '/api/v1/tasks/files-edit/events?format=json',
    );
    expect(JSON.stringify(events.body.events.filter((e) => e.type === 'tool_result'))).toContain('alpha line');

    const download = await fetch(url(`/api/v1/sessions/${session}/files?path=docs/in.txt`));
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(download.status).toBe(200);
    expect(bytes.toString()).toBe('omega line\nsecond line\n');
    expect(download.headers.get('content-type')).toBe('application/octet-stream');
    expect(download.headers.get('content-length')).toBe(String(bytes.length));
    expect(download.headers.get('x-content-sha256')).toBe(sha256(bytes));
    expect(download.headers.get('etag')).toBe(`"${sha256(bytes)}"`);

    const tarball = await fetch(url('/api/v1/tasks/files-edit/archive?format=tar.gz'));
    expect(tarball.status).toBe(200);
    expect(tarball.headers.get('content-type')).toBe('application/gzip');
    expect(tarball.headers.get('content-disposition')).toContain('filename="files-edit.tar.gz"');
    const out = extract(Buffer.from(await tarball.arrayBuffer()));
    expect(readFileSync(path.join(out, 'docs/in.txt'), 'utf8')).toBe('omega line\nsecond line\n');
    expect(readFileSync(path.join(out, 'hello.txt'), 'utf8')).toContain('hello from the scripted model');

    const patch = await fetch(url('/api/v1/tasks/files-edit/archive?format=patch'));
    expect(patch.status).toBe(200);
    expect(patch.headers.get('content-type')).toContain('text/x-patch');
    expect(patch.headers.get('content-disposition')).toContain('filename="files-edit.patch"');
    const text = await patch.text();
    expect(text).toContain('-alpha line');
    expect(text).toContain('+omega line');
  });

  it('lists a directory with types, sizes and hashes; a missing path is 404', async () => {
    expect((await put(`/api/v1/sessions/${session}/files?path=list/a.bin`, new Uint8Array([0, 1, 2, 255]))).status).toBe(201);
    expect((await put(`/api/v1/sessions/${session}/files?path=list/sub/b.txt`, '')).status).toBe(201);
    // Any content type is just bytes, JSON included.
    const json = await put(`/api/v1/sessions/${session}/files?path=list/sub/c.json`, '{"not": "parsed"', { 'content-type': 'application/json' });
    expect([json.status, ((await json.json()) as { size: number }).size]).toEqual([201, 16]);
    const listing = await request(server.baseUrl, 'GET', `/api/v1/sessions/${session}/files?path=list`);
    expect(listing.status).toBe(200);
    expect(listing.body).toEqual({
      path: 'list',
      entries: [
        { name: 'a.bin', type: 'file', size: 4, sha256: sha256(Buffer.from([0, 1, 2, 255])) },
        { name: 'sub', type: 'dir', size: expect.any(Number) },
      ],
      truncated: false,
    });
    const root = await request<{ path: string; entries: { name: string }[] }>(server.baseUrl, 'GET', `/api/v1/sessions/${session}/files`);
    expect(root.body.path).toBe('.');
    expect(root.body.entries.map((e) => e.name)).toEqual(expect.arrayContaining(['hello.txt', 'docs', 'list']));
    const missing = await request(server.baseUrl, 'GET', `/api/v1/sessions/${session}/files?path=list/nope.txt`);
    expect(missing.status).toBe(404);
    expect((missing.body.error as { code: string }).code).toBe('FILE_NOT_FOUND');
  });

  it('leaves .git and node_modules out of a tar.gz unless exclude says otherwise', async () => {
    for (const p of ['.git/config', 'node_modules/dep/index.js', 'src/node_modules/inner.js', 'keep.txt']) {
      expect((await put(`/api/v1/sessions/${session}/files?path=${p}`, `content of ${p}`)).status).toBe(201);
    }
    const plain = extract(Buffer.from(await (await fetch(url('/api/v1/tasks/files-edit/archive'))).arrayBuffer()));
    expect(existsSync(path.join(plain, 'keep.txt'))).toBe(true);
    expect(existsSync(path.join(plain, '.git'))).toBe(false);
    expect(existsSync(path.join(plain, 'node_modules'))).toBe(false);
    expect(existsSync(path.join(plain, 'src/node_modules'))).toBe(false);
    const all = extract(Buffer.from(await (await fetch(url('/api/v1/tasks/files-edit/archive?exclude='))).arrayBuffer()));
    expect(readFileSync(path.join(all, '.git/config'), 'utf8')).toBe('content of .git/config');
    const some = extract(Buffer.from(await (await fetch(url('/api/v1/tasks/files-edit/archive?exclude=keep.txt'))).arrayBuffer()));
    expect(existsSync(path.join(some, 'keep.txt'))).toBe(false);
    expect(existsSync(path.join(some, 'node_modules/dep/index.js'))).toBe(true);
    const bad = await request(server.baseUrl, 'GET', '/api/v1/tasks/files-edit/archive?format=zip');
    expect(bad.status).toBe(400);
  });

  it('refuses an upload over FILE_UPLOAD_MAX_BYTES with 413, declared or streamed, and keeps the old file', async () => {
    expect((await put(`/api/v1/sessions/${session}/files?path=big.txt`, 'small')).status).toBe(201);
    const declared = await put(`/api/v1/sessions/${session}/files?path=big.txt`, 'x'.repeat(MAX + 1));
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe('FILE_TOO_LARGE');
    const chunks = [Buffer.alloc(MAX - 10, 'a'), Buffer.alloc(100, 'b')];
    const streamed = await put(`/api/v1/sessions/${session}/files?path=big.txt`, Readable.toWeb(Readable.from(chunks)) as ReadableStream);
    expect(streamed.status).toBe(413);
    const exact = await put(`/api/v1/sessions/${session}/files?path=exact.txt`, Readable.toWeb(Readable.from([Buffer.alloc(MAX, 'e')])) as ReadableStream);
    expect(exact.status).toBe(201);
    expect(await (await fetch(url(`/api/v1/sessions/${session}/files?path=big.txt`))).text()).toBe('small');
    // A client that hangs up halfway changes nothing either, and leaves no temporary file.
    await cutUpload(server.baseUrl, `/api/v1/sessions/${session}/files?path=big.txt`, 'files-cut-upload');
    // Once the server is done with the cut request (its temporary file may only appear after the client left).
    await waitFor(async () => server.logs.find((l) => l.request_id === 'files-cut-upload' && l.message === 'Request handled'));
    expect(await (await fetch(url(`/api/v1/sessions/${session}/files?path=big.txt`))).text()).toBe('small');
    const names = readdirSync(path.join(server.workspaceRoot, 'files-ws'));
    expect(names.filter((n) => n.startsWith('.ccs-upload'))).toEqual([]);
  });
});

/** Sends the headers and half the declared body of an upload, then hangs up. */
async function cutUpload(baseUrl: string, p: string, requestId: string): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.write(`PUT ${p} HTTP/1.1\r\nHost: ${hostname}\r\nX-Request-Id: ${requestId}\r\nContent-Length: 1000\r\n\r\n${'c'.repeat(500)}`);
  await new Promise((r) => setTimeout(r, 300));
  socket.destroy();
}

function extract(archive: Buffer): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ccs-archive-'));
  writeFileSync(path.join(dir, 'a.tar.gz'), archive);
  execFileSync('tar', ['-xzf', 'a.tar.gz', '-C', dir, '--one-top-level=out'], { cwd: dir });
  return path.join(dir, 'out');
}
