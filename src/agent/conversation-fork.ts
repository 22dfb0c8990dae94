import { forkSession, getSessionInfo, type SdkSessionKey, type SdkSessionStore, type SdkSessionStoreEntry } from './sdk.js';

/** Where a fork starts: a Claude Code conversation, the last message to keep, and the directory it ran in. */
export interface ConversationPoint {
  sdkSessionId: string;
  messageUuid: string;
  cwd: string;
}

/** The SDK mirrors a turn's transcript to the store in batches; a fork right after a task may wait for the last one. */
const TAIL_WAIT = { attempts: 40, delayMs: 250 };

/**
 * A new conversation holding `point`'s conversation up to and including its message, for a
 * session working in `cwd` (transcripts are keyed by directory, so a fork into another workspace
 * is written under that one's key). The source conversation is only read. Resolves with the new
 * conversation's id, which `query({resume})` continues.
 */
export async function forkConversation(transcripts: SdkSessionStore, point: ConversationPoint, cwd: string): Promise<string> {
  let written: { key: SdkSessionKey; entries: SdkSessionStoreEntry[] } | null = null;
  // The SDK's fork reads the source and appends the copy under the source's directory key; the
  // copy is held back here and written once, under the key the fork's own directory has.
  const capture: SdkSessionStore = {
    load: (key) => transcripts.load(key),
    append: (key, entries) => {
      written = { key, entries: [...(written?.entries ?? []), ...entries] };
      return Promise.resolve();
    },
  };
  const forkedId = await forkWhenStored(capture, point);
  const copy = written as { key: SdkSessionKey; entries: SdkSessionStoreEntry[] } | null;
  if (copy === null) throw new Error(`forking conversation ${point.sdkSessionId} wrote nothing`);
  const projectKey = cwd === point.cwd ? copy.key.projectKey : await projectKeyOf(cwd, forkedId);
  await transcripts.append({ projectKey, sessionId: forkedId }, copy.entries);
  return forkedId;
}

async function forkWhenStored(store: SdkSessionStore, point: ConversationPoint): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { sessionId } = await forkSession(point.sdkSessionId, { dir: point.cwd, upToMessageId: point.messageUuid, sessionStore: store });
      return sessionId;
    } catch (error) {
      if (attempt >= TAIL_WAIT.attempts || !/not found/i.test(error instanceof Error ? error.message : String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, TAIL_WAIT.delayMs));
    }
  }
}

/** The store key the SDK uses for a directory, learnt by asking it to look a conversation up there. */
async function projectKeyOf(cwd: string, sessionId: string): Promise<string> {
  let seen: string | null = null;
  const probe: SdkSessionStore = {
    load: (key) => {
      seen ??= key.projectKey;
      return Promise.resolve(null);
    },
    append: () => Promise.resolve(),
  };
  await getSessionInfo(sessionId, { dir: cwd, sessionStore: probe });
  if (seen === null) throw new Error(`the transcript store key of ${cwd} could not be learnt`);
  return seen;
}
