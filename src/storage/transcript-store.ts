import path from 'node:path';
import type { SdkSessionStore } from '../agent/sdk.js';
import { MemoryTranscriptStore } from '../backends/memory/memory-transcript-store.js';
import { SqliteTranscriptStore } from '../backends/sqlite/sqlite-transcript-store.js';

/** A SessionStore the server can close at shutdown. */
export type TranscriptStore = SdkSessionStore & { close(): Promise<void> };

export interface TranscriptStoreConfig {
  type: 'memory' | 'sqlite' | 'redis';
  /** The main SQLite file; transcripts go to `transcripts.db` beside it. */
  sqliteFile: string;
}

/**
 * Where Claude Code transcripts are kept, chosen by STORAGE_TYPE like the main store. They are
 * not part of the Store interface: only the SDK reads and writes them.
 */
export function createTranscriptStore(config: TranscriptStoreConfig): TranscriptStore {
  switch (config.type) {
    case 'memory':
      return new MemoryTranscriptStore();
    case 'sqlite':
      return SqliteTranscriptStore.open(path.join(path.dirname(config.sqliteFile), 'transcripts.db'));
    case 'redis':
      throw new Error('STORAGE_TYPE=redis transcripts are not available in this version');
  }
}
