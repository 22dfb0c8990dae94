import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TranscriptStore } from '../../src/storage/transcript-store.js';

export interface TranscriptStoreHarness {
  store: TranscriptStore;
  /** Moves the store's clock on (every implementation takes an injected `now`). */
  advance(ms: number): void;
  /** Closing the current store is the caller's job; this opens a new one on the same data. Absent where data lives only as long as the store. */
  reopen?: () => Promise<TranscriptStore>;
  cleanup(): Promise<void>;
}

/** Where every harness's clock starts: a fraction, so a store that forgets to floor it shows. */
export const TRANSCRIPT_CLOCK_START = 1_700_000_000_000.7;

const main = { projectKey: '/srv/ws:one', sessionId: 'sess-1' };
const entry = (uuid: string | undefined, text: string) => ({
  type: 'user',
  ...(uuid ? { uuid } : {}),
  timestamp: '2025-01-01T00:00:00.000Z',
  message: { content: [{ text, n: [1, null, { deep: true }] }] },
});
const sessionIds = (listed: Array<{ sessionId: string }>): string[] => listed.map((s) => s.sessionId).sort();

/**
 * The SDK's SessionStore contract as the server relies on it (agent processes resume from these
 * transcripts, on this instance or another), run against every transcript store.
 */
export function transcriptStoreContract(name: string, open: () => Promise<TranscriptStoreHarness>): void {
  describe(`TranscriptStore contract: ${name}`, () => {
    let harness: TranscriptStoreHarness;
    let store: TranscriptStore;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
    });
    afterEach(async () => {
      await store.close();
      await harness.cleanup();
    });

    it('load is null and the lists are empty for a key never written', async () => {
      expect(await store.load(main)).toBeNull();
      expect(await store.listSessions!(main.projectKey)).toEqual([]);
      expect(await store.listSubkeys!(main)).toEqual([]);
    });

    it('loads entries in append order, deep-equal to what was appended, and not aliased to it', async () => {
      const first = entry('u1', 'hello ✓');
      await store.append(main, [first, entry('u2', 'second')]);
      await store.append(main, [{ type: 'title', title: 'no uuid' }, entry('u3', 'third')]);
      first.message.content[0]!.text = 'changed by the caller afterwards';
      const loaded = await store.load(main);
      expect(loaded).toEqual([entry('u1', 'hello ✓'), entry('u2', 'second'), { type: 'title', title: 'no uuid' }, entry('u3', 'third')]);
      (loaded![0] as { type: string }).type = 'changed by a reader';
      expect((await store.load(main))![0]).toEqual(entry('u1', 'hello ✓'));
    });

    it('keeps an entry with a uuid once (the SDK retries appends); entries without one every time', async () => {
      await store.append(main, [entry('u1', 'a'), { type: 'tag', tag: 'x' }]);
      await store.append(main, [entry('u1', 'a retried'), { type: 'tag', tag: 'x' }, entry('u2', 'b')]);
      expect(await store.load(main)).toEqual([entry('u1', 'a'), { type: 'tag', tag: 'x' }, { type: 'tag', tag: 'x' }, entry('u2', 'b')]);
    });

    it('an empty append writes nothing', async () => {
      await store.append(main, []);
      expect(await store.load(main)).toBeNull();
    });

    it('keeps subagent transcripts apart (a uuid is per transcript) and lists their subpaths, not as sessions', async () => {
      await store.append(main, [entry('m1', 'main')]);
      await store.append({ ...main, subpath: 'subagents/agent-b' }, [entry('s1', 'sub b')]);
      await store.append({ ...main, subpath: 'subagents/agent-a' }, [entry('s1', 'sub a, same uuid as in b')]);
      expect(await store.load(main)).toEqual([entry('m1', 'main')]);
      expect(await store.load({ ...main, subpath: 'subagents/agent-a' })).toEqual([entry('s1', 'sub a, same uuid as in b')]);
      expect(await store.load({ ...main, subpath: 'subagents/agent-b' })).toEqual([entry('s1', 'sub b')]);
      expect((await store.listSubkeys!(main)).sort()).toEqual(['subagents/agent-a', 'subagents/agent-b']);
      expect(sessionIds(await store.listSessions!(main.projectKey))).toEqual(['sess-1']);
    });

    it('keeps projects and sessions apart, even where their names differ only around a separator', async () => {
      // Tenants work in different workspaces, so a different projectKey is another tenant's transcript.
      const lookalikes = [
        { projectKey: '/srv/ws', sessionId: 'one:sess-1' },
        { projectKey: '/srv/ws:one:sess-1', sessionId: '' },
        { projectKey: '/srv/ws:one', sessionId: 'sess-1', subpath: 'main' },
      ];
      await store.append(main, [entry('m', 'mine')]);
      for (const key of lookalikes) await store.append(key, [entry('m', `other ${key.projectKey}`)]);
      expect(await store.load(main)).toEqual([entry('m', 'mine')]);
      expect(await store.load(lookalikes[0]!)).toEqual([entry('m', 'other /srv/ws')]);
      expect(sessionIds(await store.listSessions!(main.projectKey))).toEqual(['sess-1']);
      expect(sessionIds(await store.listSessions!('/srv/ws'))).toEqual(['one:sess-1']);
      expect(await store.listSubkeys!({ projectKey: '/srv/ws', sessionId: 'one:sess-1' })).toEqual([]);
    });

    it('lists sessions per project with the integer time of their last append', async () => {
      await store.append(main, [entry('a', 'a')]);
      harness.advance(5_000);
      const second = { projectKey: main.projectKey, sessionId: 'sess-2' };
      await store.append(second, [entry('b', 'b')]);
      await store.append({ projectKey: 'other', sessionId: 'sess-3' }, [entry('c', 'c')]);
      const start = Math.floor(TRANSCRIPT_CLOCK_START);
      const listed = (await store.listSessions!(main.projectKey)).sort((x, y) => x.sessionId.localeCompare(y.sessionId));
      expect(listed).toEqual([
        { sessionId: 'sess-1', mtime: start },
        { sessionId: 'sess-2', mtime: start + 5_000 },
      ]);
      harness.advance(5_000);
      await store.append(main, [entry('a2', 'later')]);
      expect((await store.listSessions!(main.projectKey)).find((s) => s.sessionId === 'sess-1')!.mtime).toBe(start + 10_000);
    });

    it('delete of a main transcript takes its subagent transcripts; delete of a subpath only that one', async () => {
      await store.append(main, [entry('m1', 'main')]);
      await store.append({ ...main, subpath: 'subagents/a' }, [entry('s1', 'a')]);
      await store.append({ ...main, subpath: 'subagents/b' }, [entry('s2', 'b')]);
      const other = { projectKey: main.projectKey, sessionId: 'sess-2' };
      await store.append(other, [entry('o1', 'other')]);

      await store.delete!({ ...main, subpath: 'subagents/a' });
      expect(await store.load({ ...main, subpath: 'subagents/a' })).toBeNull();
      expect(await store.listSubkeys!(main)).toEqual(['subagents/b']);
      expect(await store.load(main)).toEqual([entry('m1', 'main')]);

      await store.delete!(main);
      expect(await store.load(main)).toBeNull();
      expect(await store.load({ ...main, subpath: 'subagents/b' })).toBeNull();
      expect(await store.listSubkeys!(main)).toEqual([]);
      expect(sessionIds(await store.listSessions!(main.projectKey))).toEqual(['sess-2']);
      expect(await store.load(other)).toEqual([entry('o1', 'other')]);
      // A uuid seen before the delete may be written again after it.
      await store.append(main, [entry('m1', 'main again')]);
      expect(await store.load(main)).toEqual([entry('m1', 'main again')]);
    });

    it('deleting what was never written is harmless', async () => {
      await store.delete!({ projectKey: 'nowhere', sessionId: 'none' });
      await store.delete!({ projectKey: 'nowhere', sessionId: 'none', subpath: 'subagents/x' });
      expect(await store.load({ projectKey: 'nowhere', sessionId: 'none' })).toBeNull();
    });

    it('a session resumes elsewhere: a store opened on the same data loads what this one appended, uuids still kept once', async (context) => {
      if (!harness.reopen) return context.skip();
      await store.append(main, [entry('u1', 'from A')]);
      await store.append({ ...main, subpath: 'subagents/a' }, [entry('s1', 'sub')]);
      await store.close();
      store = await harness.reopen();
      expect(await store.load(main)).toEqual([entry('u1', 'from A')]);
      expect(await store.listSubkeys!(main)).toEqual(['subagents/a']);
      await store.append(main, [entry('u1', 'retried after the move'), entry('u2', 'from B')]);
      expect(await store.load(main)).toEqual([entry('u1', 'from A'), entry('u2', 'from B')]);
    });

    it('close resolves, and a second close too (shutdown may run twice)', async () => {
      await store.append(main, [entry('u1', 'a')]);
      await store.close();
      await store.close();
    });
  });
}
