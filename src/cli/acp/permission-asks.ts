import { methods, type PermissionOption, type RequestPermissionRequest, type RequestPermissionResponse } from '@agentclientprotocol/sdk';
import { CcsApiError, type PermissionRequestData } from '../../../packages/client/src/index.js';
import type { AcpDeps, AcpSession } from './acp-session.js';
import { toolKind, toolLocations, toolTitle } from './tool-calls.js';

const ALLOW = 'allow';
const DENY = 'deny';

const OPTIONS: PermissionOption[] = [
  { optionId: ALLOW, name: 'Allow', kind: 'allow_once' },
  { optionId: DENY, name: 'Deny', kind: 'reject_once' },
];

function decisionOf(response: RequestPermissionResponse): 'allow' | 'deny' {
  return response.outcome.outcome === 'selected' && response.outcome.optionId === ALLOW ? 'allow' : 'deny';
}

/**
 * Our approvals as ACP permission requests: each pending tool call becomes one
 * session/request_permission to the editor, and its outcome answers the server. Only an explicit
 * Allow lets the call run; a dismissed dialog, a cancelled turn or an editor that cannot ask
 * denies it, as the server does on its own timeout.
 */
export class PermissionAsks {
  private readonly open = new Map<string, AbortController>();

  constructor(
    private readonly deps: AcpDeps,
    private readonly session: AcpSession,
    private readonly taskId: string,
    private readonly turnEnded: AbortSignal,
  ) {}

  ask(request: PermissionRequestData): void {
    if (this.open.has(request.request_id)) return;
    const dialog = new AbortController();
    const closeDialog = () => dialog.abort();
    this.turnEnded.addEventListener('abort', closeDialog, { once: true });
    this.open.set(request.request_id, dialog);
    const toolCall: RequestPermissionRequest['toolCall'] = {
      toolCallId: request.tool_use_id ?? request.request_id,
      title: toolTitle(request.tool_name, request.input),
      kind: toolKind(request.tool_name),
      status: 'pending',
      rawInput: request.input,
      locations: toolLocations(request.input),
    };
    void this.session.client
      .request(methods.client.session.requestPermission, { sessionId: this.session.id, toolCall, options: OPTIONS }, { cancellationSignal: dialog.signal })
      .then(
        (response) => ({ decision: decisionOf(response), message: undefined }),
        (error: unknown) => ({ decision: DENY, message: `The editor could not ask: ${error instanceof Error ? error.message : String(error)}` }) as const,
      )
      .then(async ({ decision, message }) => {
        // Settled elsewhere (another client, the timeout, the task's end): nothing left to answer.
        if (dialog.signal.aborted) return;
        await this.deps.ccs.tasks.answerPermission(this.taskId, request.request_id, decision === 'deny' && message ? { decision, message } : { decision });
      })
      .catch((error: unknown) => {
        if (error instanceof CcsApiError && error.code === 'PERMISSION_REQUEST_NOT_PENDING') return;
        this.deps.log(`ccs acp: answering permission ${request.request_id} of task ${this.taskId} failed: ${String(error)}`);
      })
      .finally(() => {
        this.turnEnded.removeEventListener('abort', closeDialog);
        this.open.delete(request.request_id);
      });
  }

  /** The server recorded a decision: close the editor's dialog if it is still open. */
  settled(requestId: string): void {
    this.open.get(requestId)?.abort();
  }
}
