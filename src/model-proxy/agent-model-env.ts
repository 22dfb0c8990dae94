/** The CLI clamps its own idle timeouts to at most 30 minutes (read from its code, 2.1.x). */
const CLI_MAX_IDLE_TIMEOUT_MS = 1_800_000;

/**
 * Environment for the CLI so that the proxy, not the CLI, decides when a model stream has
 * stalled: the CLI has its own stream idle watchdogs (3 to 5 minutes by default, from
 * CLAUDE_STREAM_IDLE_TIMEOUT_MS / CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS). Left alone, one of them
 * could cut a silent stream before AGENT_STALL_TIMEOUT_SECONDS and end the task with a vaguer
 * error, so they are set a minute past the proxy's timeout.
 */
export function agentModelEnv(stallTimeoutMs: number): Record<string, string> {
  const cliIdleMs = String(Math.min(CLI_MAX_IDLE_TIMEOUT_MS, stallTimeoutMs + 60_000));
  return { CLAUDE_STREAM_IDLE_TIMEOUT_MS: cliIdleMs, CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS: cliIdleMs };
}
