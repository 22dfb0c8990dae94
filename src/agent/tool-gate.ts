import type { ToolApproval } from './agent-types.js';
import { BUILTIN_TOOL_NAMES, LEGACY_TOOL_NAME_ALIASES, type SdkHookCallback, type SdkHookOutput, type SdkSettings } from './sdk.js';

/**
 * The tool name a permission rule is about: `Bash(git:*)` → `Bash`, former names → current ones.
 * Tool names are case-sensitive in Claude Code, so nothing is folded.
 */
export function toolBaseName(rule: string): string {
  const open = rule.indexOf('(');
  const name = (open === -1 ? rule : rule.slice(0, open)).trim();
  return LEGACY_TOOL_NAME_ALIASES[name] ?? name;
}

/**
 * Tools whose permission rules the CLI applies to files, whichever tool touches them: a `Read`
 * deny rule refuses a Write or an Edit of every file ("covered by a Read deny rule"), and Bash
 * redirections are checked against Read and Edit rules. A deny rule for one of these would refuse
 * calls of the tools the task did name, so an unlisted one is refused by the ToolGate alone.
 */
const FILE_RULE_TOOLS: ReadonlySet<string> = new Set(['Read', 'Edit', 'Write', 'NotebookEdit']);

/**
 * The flag-settings permissions for one task: its `allowed_tools` as allow rules (what a direct
 * query()'s `allowedTools` does), and a deny rule for every other built-in tool whose rule covers
 * only its own calls. Such a denied tool is withheld from the model, so it is not offered tools
 * it may not use. Unlisted file tools (FILE_RULE_TOOLS) stay offered and the ToolGate refuses
 * them by name, as it refuses every unlisted tool, whatever rules a reused process still has.
 */
export function taskPermissionSettings(allowedTools: readonly string[]): SdkSettings {
  const named = new Set(allowedTools.map(toolBaseName));
  const deny = BUILTIN_TOOL_NAMES.filter((tool) => !named.has(tool) && !FILE_RULE_TOOLS.has(tool));
  return { permissions: { allow: [...allowedTools], deny } };
}

/**
 * Whether a set of rule base names covers a tool: by its own name, or for an MCP tool
 * (`mcp__<server>__<tool>`) by `mcp__<server>` or `mcp__<server>__*`, as in Claude Code's rules.
 */
export function isToolCovered(rules: ReadonlySet<string>, toolName: string): boolean {
  if (rules.has(toolBaseName(toolName))) return true;
  const server = /^(mcp__.+?)__[^_]/.exec(toolName)?.[1];
  return server !== undefined && (rules.has(server) || rules.has(`${server}__*`));
}

/** A stable key for an allowed-tools list, to skip re-sending identical rules to a reused process. */
export function allowedToolsKey(allowedTools: readonly string[]): string {
  return JSON.stringify([...allowedTools].sort());
}

/**
 * The server's own check on every tool call of one agent process, registered as a PreToolUse hook
 * when the process starts and pointed at the current task's `allowed_tools` before each turn.
 * It is what refuses an unlisted file tool (no deny rule may name those), and what the deny rules
 * cannot name (MCP tools from a project's .mcp.json, tools newer than the SDK's list), in the
 * main agent and in its subagents; it shuts while no task runs or once a task hit its turn limit. A tool
 * it lets through still goes through the CLI's rules: `Bash(git:*)` stays limited to git.
 */
export class ToolGate {
  private allowed: ReadonlySet<string> = new Set();
  private refusal = 'no task is running in this agent process';
  private approval: ToolApproval | null = null;
  private needsApproval: ReadonlySet<string> = new Set();

  /** Opens the gate for one task's tools; calls of the tools in `approval` wait for the client's answer. */
  openFor(allowedTools: readonly string[], approval: ToolApproval | null = null): void {
    this.allowed = new Set(allowedTools.map(toolBaseName));
    this.refusal = '';
    this.approval = approval;
    this.needsApproval = new Set(approval?.tools.map(toolBaseName) ?? []);
  }

  /** Refuses every tool from now on, with this reason, until the next openFor(). */
  shut(reason: string): void {
    this.allowed = new Set();
    this.refusal = reason;
    this.approval = null;
    this.needsApproval = new Set();
  }

  /** Why a tool call is refused, or null when it may go on to the CLI's own permission rules. */
  refusalFor(toolName: string): string | null {
    if (this.refusal !== '') return `Tool ${toolName} refused: ${this.refusal}.`;
    if (isToolCovered(this.allowed, toolName)) return null;
    return `Tool ${toolName} is not in this task's allowed_tools.`;
  }

  readonly hook: SdkHookCallback = async (input) => {
    if (input.hook_event_name !== 'PreToolUse') return {};
    const refusal = this.refusalFor(input.tool_name);
    if (refusal !== null) return deny(refusal);
    const approval = this.approval;
    if (approval === null || !isToolCovered(this.needsApproval, input.tool_name)) return {};
    // The call does not run until the client answers; a denial reaches the agent as the tool's error.
    const decision = await approval.ask({ toolName: input.tool_name, input: asRecord(input.tool_input), toolUseId: input.tool_use_id ?? null });
    if (!decision.allow) return deny(decision.message);
    // An allowed call still goes through the CLI's own rules, unless the client changed its input.
    if (decision.updatedInput === null) return {};
    const output: SdkHookOutput = { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', updatedInput: decision.updatedInput } };
    return output;
  };
}

function deny(reason: string): SdkHookOutput {
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'deny', permissionDecisionReason: reason } };
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
}
