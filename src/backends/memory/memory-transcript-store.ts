import type { SdkSessionKey, SdkSessionStore, SdkSessionStoreEntry } from '../../agent/sdk.js';

interface Transcript {
  entries: SdkSessionStoreEntry[];
  uuids: Set<string>;
  mtime: number;
}

const transcriptId = (key: SdkSessionKey): string => JSON.stringify([key.projectKey, key.sessionId, key.subpath ?? '']);

/**
 * Claude Code transcripts held in memory (STORAGE_TYPE=memory): they last as long as the server,
 * like the rest of that store. Entries with a `uuid` are kept once (the SDK retries appends).
 */
export class MemoryTranscriptStore implements SdkSessionStore {
  private readonly transcripts = new Map<string, Transcript & { key: SdkSessionKey }>();

  constructor(private readonly now: () => number = Date.now) {}

  append(key: SdkSessionKey, entries: SdkSessionStoreEntry[]): Promise<void> {
    // Like the other stores: nothing appended is no transcript (load stays null, no session listed).
    if (entries.length === 0) return Promise.resolve();
    const id = transcriptId(key);
    let transcript = this.transcripts.get(id);
    if (!transcript) {
      transcript = { key: { ...key }, entries: [], uuids: new Set(), mtime: 0 };
      this.transcripts.set(id, transcript);
    }
    for (const entry of entries) {
      if (typeof entry.uuid === 'string') {
        if (transcript.uuids.has(entry.uuid)) continue;
        transcript.uuids.add(entry.uuid);
      }
      transcript.entries.push(structuredClone(entry));
    }
    transcript.mtime = Math.floor(this.now());
    return Promise.resolve();
  }

  load(key: SdkSessionKey): Promise<SdkSessionStoreEntry[] | null> {
    const transcript = this.transcripts.get(transcriptId(key));
    return Promise.resolve(transcript ? structuredClone(transcript.entries) : null);
  }

  listSessions(projectKey: string): Promise<Array<{ sessionId: string; mtime: number }>> {
    const mains = [...this.transcripts.values()].filter((t) => t.key.projectKey === projectKey && t.key.subpath === undefined);
    return Promise.resolve(mains.map((t) => ({ sessionId: t.key.sessionId, mtime: t.mtime })));
  }

  delete(key: SdkSessionKey): Promise<void> {
    // Deleting a main transcript takes its subagent transcripts with it.
    for (const [id, t] of this.transcripts) {
      if (t.key.projectKey !== key.projectKey || t.key.sessionId !== key.sessionId) continue;
      if (key.subpath === undefined || t.key.subpath === key.subpath) this.transcripts.delete(id);
    }
    return Promise.resolve();
  }

  listSubkeys(key: { projectKey: string; sessionId: string }): Promise<string[]> {
    const subpaths = [...this.transcripts.values()]
      .filter((t) => t.key.projectKey === key.projectKey && t.key.sessionId === key.sessionId && t.key.subpath !== undefined)
      .map((t) => t.key.subpath!);
    return Promise.resolve(subpaths);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
