import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcsApiError, CcsClient } from '../../packages/client/src/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const text = async (stream: ReadableStream<Uint8Array>) => Buffer.from(await new Response(stream).arrayBuffer());

/** sessions.upload/download/listFiles and tasks.archive through the typed client, against a real daemon. */
describe('CcsClient files', () => {
  let server: TestServer;
  let ccs: CcsClient;

  beforeAll(async () => {
    server = await startTestServer({ WARM_POOL_SIZE: '0' });
    ccs = new CcsClient({ baseUrl: server.baseUrl });
  });
  afterAll(async () => server?.close());

  it('uploads bytes and a stream, downloads, lists and archives', async () => {
    const task = await ccs.tasks.run({ task_id: 'c-files', prompt: '[[script:write-file]]', workspace: 'client-files' });
    expect(task.status).toBe('completed');
    const bytes = new Uint8Array([1, 2, 3, 0, 255]);
    const stored = await ccs.sessions.upload(task.session_id, 'data/a.bin', bytes);
    expect(stored).toEqual({ path: 'data/a.bin', size: 5, sha256: createHash('sha256').update(bytes).digest('hex') });
    const streamed = new Blob(['streamed ', 'text']).stream();
    expect((await ccs.sessions.upload(task.session_id, 'data/b.txt', streamed)).size).toBe(13);

    expect(await ccs.sessions.download(task.session_id, 'data/a.bin')).toEqual(bytes);
    const listing = await ccs.sessions.listFiles(task.session_id, 'data');
    expect(listing.entries.map((e) => [e.name, e.type, e.size])).toEqual([
      ['a.bin', 'file', 5],
      ['b.txt', 'file', 13],
    ]);
    await expect(ccs.sessions.download(task.session_id, 'data')).rejects.toThrow(/directory/);

    const tar = gunzipSync(await text(await ccs.tasks.archive('c-files')));
    expect(tar.includes('streamed text')).toBe(true);
    expect((await text(await ccs.tasks.archive('c-files', { format: 'patch' }))).toString()).toContain('+hello from the scripted model');
  });

  it('turns refusals into CcsApiError with the code', async () => {
    const error = await ccs.sessions.upload('session-c-files', '../x', 'x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CcsApiError);
    expect((error as CcsApiError).code).toBe('FILE_PATH_INVALID');
    expect((error as CcsApiError).status).toBe(400);
  });
});
