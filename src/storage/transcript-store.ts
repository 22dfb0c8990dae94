import type { SdkSessionStore } from '../agent/sdk.js';

/**
 * Where Claude Code transcripts are kept (the SDK's `sessionStore`), a SessionStore the server
 * can close at shutdown. Not part of the Store interface: only the SDK reads and writes them.
 * Each backend (src/backends/) brings its own.
 */
export type TranscriptStore = SdkSessionStore & { close(): Promise<void> };
