import type { SdkSessionKey, SdkSessionStore, SdkSessionStoreEntry } from '../../agent/sdk.js';
import { LuaScript } from './lua-script.js';
import type { RedisConnection } from './redis-connection.js';

const APPEND = LuaScript.load('transcript-append');
const DELETE_SESSION = LuaScript.load('transcript-delete-session');

const part = (value: string): string => encodeURIComponent(value);

/**
 * Claude Code transcripts in Redis (STORAGE_TYPE=redis), through the SDK's `sessionStore`
 * option: a session that ran on one instance resumes on another whose config dir is empty.
 * Each transcript is a list of JSON entries; all keys of one session share a hash tag.
 */
export class RedisTranscriptStore implements SdkSessionStore {
  constructor(
    private readonly connection: RedisConnection,
    private readonly now: () => number = Date.now,
    /** Transcripts expire this long after their last append (e.g. TASK_RETENTION_DAYS); 0 keeps them. */
    private readonly ttlSeconds = 0,
  ) {}

  async append(key: SdkSessionKey, entries: SdkSessionStoreEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const args = [String(Math.floor(this.now())), key.sessionId, key.subpath ?? '', String(Math.max(0, Math.floor(this.ttlSeconds)))];
    for (const entry of entries) args.push(typeof entry.uuid === 'string' ? entry.uuid : '', JSON.stringify(entry));
    const keys = [this.entriesKey(key), this.uuidsKey(key), this.projectIndex(key.projectKey), this.subkeysKey(key)];
    await this.connection.run((c) => APPEND.run(c, keys, args));
  }

  async load(key: SdkSessionKey): Promise<SdkSessionStoreEntry[] | null> {
    const lines = await this.connection.run((c) => c.lRange(this.entriesKey(key), 0, -1));
    return lines.length === 0 ? null : lines.map((line) => JSON.parse(String(line)) as SdkSessionStoreEntry);
  }

  async listSessions(projectKey: string): Promise<Array<{ sessionId: string; mtime: number }>> {
    const rows = await this.connection.run((c) => c.zRangeWithScores(this.projectIndex(projectKey), 0, -1));
    return rows.map((row) => ({ sessionId: String(row.value), mtime: Math.floor(row.score) }));
  }

  async delete(key: SdkSessionKey): Promise<void> {
    if (key.subpath !== undefined) {
      await this.connection.run((c) => c.del([this.entriesKey(key), this.uuidsKey(key)]));
      await this.connection.run((c) => c.sRem(this.subkeysKey(key), key.subpath!));
      return;
    }
    // Deleting a main transcript takes its subagent transcripts with it.
    const subpaths = await this.listSubkeys(key);
    const transcripts = [key, ...subpaths.map((subpath) => ({ ...key, subpath }))];
    const doomed = transcripts.flatMap((k) => [this.entriesKey(k), this.uuidsKey(k)]);
    await this.connection.run((c) => DELETE_SESSION.run(c, [this.projectIndex(key.projectKey), this.subkeysKey(key)], [key.sessionId, ...doomed]));
  }

  async listSubkeys(key: { projectKey: string; sessionId: string }): Promise<string[]> {
    const members = await this.connection.run((c) => c.sMembers(this.subkeysKey(key)));
    return members.map(String).sort();
  }

  /** The connection is shared and closed by its owner. */
  async close(): Promise<void> {}

  private tag(key: { projectKey: string; sessionId: string }): string {
    return `{${this.connection.prefix}:tr:${part(key.projectKey)}:${part(key.sessionId)}}`;
  }
  private transcript(key: SdkSessionKey): string {
    return `${this.tag(key)}:${key.subpath === undefined ? 'main' : `sub:${part(key.subpath)}`}`;
  }
  private entriesKey(key: SdkSessionKey): string {
    return `${this.transcript(key)}:entries`;
  }
  private uuidsKey(key: SdkSessionKey): string {
    return `${this.transcript(key)}:uuids`;
  }
  private subkeysKey(key: { projectKey: string; sessionId: string }): string {
    return `${this.tag(key)}:subkeys`;
  }
  private projectIndex(projectKey: string): string {
    return `${this.connection.prefix}:tr:project:${part(projectKey)}`;
  }
}
