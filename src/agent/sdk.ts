/**
 * The only module that imports the Claude Agent SDK. Everything else goes through src/agent/,
 * so an SDK upgrade touches one place and tests can see exactly what we rely on.
 */
export { prewarm, query } from '@anthropic-ai/claude-agent-sdk';
export type {
  Options as SdkOptions,
  Query as SdkQuery,
  SDKMessage,
  SDKAssistantMessage,
  SDKUserMessage,
  SDKResultMessage,
  SessionKey as SdkSessionKey,
  SessionStore as SdkSessionStore,
  SessionStoreEntry as SdkSessionStoreEntry,
  SpareProcess as SdkSpareProcess,
  SpawnOptions as SdkSpawnOptions,
  SpawnedProcess as SdkSpawnedProcess,
} from '@anthropic-ai/claude-agent-sdk';
