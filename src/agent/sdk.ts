/**
 * The only module that imports the Claude Agent SDK. Everything else goes through src/agent/,
 * so an SDK upgrade touches one place and tests can see exactly what we rely on.
 */
export { BUILTIN_TOOL_NAMES, forkSession, getSessionInfo, LEGACY_TOOL_NAME_ALIASES, prewarm, query } from '@anthropic-ai/claude-agent-sdk';
export type {
  HookCallback as SdkHookCallback,
  HookJSONOutput as SdkHookOutput,
  Options as SdkOptions,
  Query as SdkQuery,
  SDKMessage,
  SDKAssistantMessage,
  SDKUserMessage,
  SDKResultMessage,
  SessionKey as SdkSessionKey,
  SessionStore as SdkSessionStore,
  SessionStoreEntry as SdkSessionStoreEntry,
  Settings as SdkSettings,
  SpareProcess as SdkSpareProcess,
  SpawnOptions as SdkSpawnOptions,
  SpawnedProcess as SdkSpawnedProcess,
} from '@anthropic-ai/claude-agent-sdk';
