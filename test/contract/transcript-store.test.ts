import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MemoryTranscriptStore } from '../../src/backends/memory/memory-transcript-store.js';
import { SqliteTranscriptStore } from '../../src/backends/sqlite/sqlite-transcript-store.js';
import { TRANSCRIPT_CLOCK_START, transcriptStoreContract } from './transcript-store.contract.js';

transcriptStoreContract('memory', async () => {
  let clock = TRANSCRIPT_CLOCK_START;
  return {
    store: new MemoryTranscriptStore(() => clock),
    advance: (ms) => (clock += ms),
    cleanup: async () => undefined,
  };
});

transcriptStoreContract('sqlite', async () => {
  let clock = TRANSCRIPT_CLOCK_START;
  const dir = mkdtempSync(path.join(tmpdir(), 'transcripts-'));
  const file = path.join(dir, 'transcripts.db');
  return {
    store: SqliteTranscriptStore.open(file, () => clock),
    advance: (ms) => (clock += ms),
    reopen: async () => SqliteTranscriptStore.open(file, () => clock),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
