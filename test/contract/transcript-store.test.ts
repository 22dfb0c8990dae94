import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TranscriptStore } from '../../src/storage/transcript-store.js';
import { MemoryTranscriptStore } from '../../src/backends/memory/memory-transcript-store.js';
import { SqliteTranscriptStore } from '../../src/backends/sqlite/sqlite-transcript-store.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const backends: Array<[string, () => TranscriptStore]> = [
  ['memory', () => new MemoryTranscriptStore()],
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'transcripts-'));
      dirs.push(dir);
      return SqliteTranscriptStore.open(path.join(dir, 'transcripts.db'));
    },
  ],
];

describe.each(backends)('%s transcript store (the SDK SessionStore contract)', (_name, open) => {
  const key = { projectKey: '-srv-ws-repo', sessionId: '7b0c1f5e-0000-4000-8000-000000000001' };

  it('returns null for a transcript never written, and entries in append order', async () => {
    const store = open();
    expect(await store.load(key)).toBeNull();
    await store.append(key, [{ type: 'user', uuid: 'a', message: { text: 'one' } }]);
    await store.append(key, [
      { type: 'assistant', uuid: 'b', nested: { deep: [1, 2] } },
      { type: 'title', title: 't' },
    ]);
    expect(await store.load(key)).toEqual([
      { type: 'user', uuid: 'a', message: { text: 'one' } },
      { type: 'assistant', uuid: 'b', nested: { deep: [1, 2] } },
      { type: 'title', title: 't' },
    ]);
    await store.close();
  });

  it('keeps an entry with a uuid once (retried appends), entries without one every time', async () => {
    const store = open();
    await store.append(key, [
      { type: 'user', uuid: 'a' },
      { type: 'tag', tag: 'x' },
    ]);
    await store.append(key, [
      { type: 'user', uuid: 'a' },
      { type: 'tag', tag: 'x' },
    ]);
    expect(await store.load(key)).toEqual([
      { type: 'user', uuid: 'a' },
      { type: 'tag', tag: 'x' },
      { type: 'tag', tag: 'x' },
    ]);
    await store.close();
  });

  it('keeps subagent transcripts apart, lists them, and lists main sessions per project', async () => {
    const store = open();
    await store.append(key, [{ type: 'user', uuid: 'm' }]);
    await store.append({ ...key, subpath: 'subagents/agent-1' }, [{ type: 'user', uuid: 's' }]);
    await store.append({ projectKey: 'other', sessionId: 'zzz' }, [{ type: 'user', uuid: 'o' }]);
    expect(await store.load({ ...key, subpath: 'subagents/agent-1' })).toEqual([{ type: 'user', uuid: 's' }]);
    expect(await store.listSubkeys!(key)).toEqual(['subagents/agent-1']);
    const sessions = await store.listSessions!(key.projectKey);
    expect(sessions.map((s) => s.sessionId)).toEqual([key.sessionId]);
    expect(Number.isInteger(sessions[0]!.mtime)).toBe(true);
    await store.delete!(key);
    expect(await store.load(key)).toBeNull();
    expect(await store.load({ ...key, subpath: 'subagents/agent-1' })).toBeNull();
    expect(await store.load({ projectKey: 'other', sessionId: 'zzz' })).not.toBeNull();
    await store.close();
  });
});
