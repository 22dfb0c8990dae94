import type { AgentContext } from '@agentclientprotocol/sdk';
import type { CcsClient, StreamTransport } from '../../../packages/client/src/index.js';

/** What every handler of `ccs acp` works with: the server, the editor, and where to log. */
export interface AcpDeps {
  ccs: CcsClient;
  transport: StreamTransport;
  env: NodeJS.ProcessEnv;
  /** To stderr: stdout carries protocol frames only. */
  log: (message: string) => void;
}

/** The task a session is running or following right now. */
export interface ActiveTurn {
  taskId: string | undefined;
  cancelled: boolean;
  /** Closes the editor's open permission dialogs of this turn. */
  readonly asks: AbortController;
}

/**
 * An ACP session as this process knows it. Everything durable (tasks, events, the conversation)
 * is the server's; this is only how to reach it, so a restarted `ccs acp` rebuilds it from
 * session/load.
 */
export interface AcpSession {
  readonly id: string;
  /** The workspace the session's first task creates it in; unused once it exists on the server. */
  workspace: string | undefined;
  approvalTools: string[];
  existsOnServer: boolean;
  turn: ActiveTurn | undefined;
  /** The editor, for session/update and session/request_permission. */
  client: AgentContext;
}

export function newTurn(taskId?: string): ActiveTurn {
  return { taskId, cancelled: false, asks: new AbortController() };
}
