import type { AgentRunRequest } from '../agent/agent-types.js';
import { defaultToolsWithMcp, taskMcp } from '../mcp/mcp-servers.js';
import type { McpServers } from '../mcp/mcp-types.js';
import type { Session } from '../sessions/session-types.js';
import type { PermissionMode, Task } from './task-types.js';

/** The server's defaults for what a task leaves out. */
export interface RunDefaults {
  defaultMaxTurns: number;
  defaultModel: string | undefined;
  defaultAllowedTools: readonly string[];
  defaultPermissionMode: PermissionMode;
  /** A tenant's default MCP servers (its keys file `mcp_servers`), merged under each task's own. */
  tenantMcpServers?: (tenantId: string) => McpServers | null | undefined;
}

/** One task's turn as the agent runner takes it: its options over the server's defaults. */
export function agentRunRequest(
  task: Task,
  session: Session,
  defaults: RunDefaults,
  turn: Pick<AgentRunRequest, 'beforePrompt' | 'taskSettled' | 'approval'>,
): AgentRunRequest {
  const { options } = task;
  const mcp = taskMcp(defaults.tenantMcpServers?.(task.tenant_id), options.mcp_servers);
  return {
    ...turn,
    taskId: task.task_id,
    sessionId: task.session_id,
    tenantId: task.tenant_id,
    prompt: task.prompt,
    cwd: task.workspace,
    resumeSdkSessionId: session.sdk_session_id,
    allowedTools: options.allowed_tools ?? defaultToolsWithMcp(defaults.defaultAllowedTools, mcp?.servers ?? null),
    permissionMode: options.permission_mode ?? defaults.defaultPermissionMode,
    maxTurns: options.max_turns ?? defaults.defaultMaxTurns,
    model: options.model ?? defaults.defaultModel,
    costBaselineUsd: session.sdk_session_id === null ? 0 : session.sdk_cost_total_usd,
    maxBudgetUsd: options.max_budget_usd ?? null,
    outputSchema: options.output_schema ?? null,
    mcp,
  };
}
