import { randomUUID } from 'node:crypto';
import { RequestError, type ContentBlock, type PromptResponse, type StopReason } from '@agentclientprotocol/sdk';
import { CcsApiError, isRetryable, type CompleteData, type SubmitTaskRequest, type SubmittedTask } from '../../../packages/client/src/index.js';
import { taskFailure } from './acp-errors.js';
import { newTurn, type AcpDeps, type AcpSession, type ActiveTurn } from './acp-session.js';
import { followTask } from './task-follower.js';

/** The prompt as our task's text: text blocks as they are, links to resources by their URI. */
export function promptText(blocks: ContentBlock[]): string {
  return blocks
    .map((block) => {
      if (block.type === 'text') return block.text;
      if (block.type === 'resource_link') return `${block.name}: ${block.uri}`;
      throw RequestError.invalidParams({ code: 'VALIDATION_ERROR' }, `Prompt content of type "${block.type}" is not supported (see promptCapabilities)`);
    })
    .join('\n');
}

const SUBMIT_ATTEMPTS = 3;

/** Transient failures are retried under the same task_id, which the server deduplicates: a retry never runs a task twice. */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= SUBMIT_ATTEMPTS || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
    }
  }
}

/** Submits into the session: creating it on the server with the session's first task, continuing it after. */
async function submitInSession(deps: AcpDeps, session: AcpSession, body: SubmitTaskRequest): Promise<SubmittedTask> {
  const reuse = () => retrying(() => deps.ccs.tasks.submit({ ...body, session: { session_id: session.id, reuse_existing: true } }));
  if (session.existsOnServer) return reuse();
  const submitted = await retrying(() => deps.ccs.tasks.submit({ ...body, workspace: session.workspace, session: { session_id: session.id } })).catch(
    (error: unknown) => {
      if (error instanceof CcsApiError && error.code === 'SESSION_ALREADY_EXISTS') return reuse();
      throw error;
    },
  );
  session.existsOnServer = true;
  return submitted;
}

/** Our final status as an ACP stop reason; a failure is the prompt's error instead. */
function stopReasonFor(taskId: string, turn: ActiveTurn, complete: CompleteData): StopReason {
  if (turn.cancelled || complete.status === 'interrupted') return 'cancelled';
  if (complete.status === 'completed') return 'end_turn';
  if (complete.error?.code === 'AGENT_MAX_TURNS') return 'max_turn_requests';
  throw taskFailure(taskId, complete.status, complete.error);
}

/** Asks the server to stop the turn's task; a task that already ended is fine. */
export async function interruptTurn(deps: AcpDeps, turn: ActiveTurn): Promise<void> {
  turn.cancelled = true;
  turn.asks.abort();
  if (turn.taskId === undefined) return;
  await deps.ccs.tasks.interrupt(turn.taskId).catch((error: unknown) => {
    if (!(error instanceof CcsApiError && error.code === 'TASK_NOT_RUNNING')) deps.log(`ccs acp: interrupting ${turn.taskId} failed: ${String(error)}`);
  });
}

/** session/prompt: one task in the session, streamed to the editor until it ends. */
export async function runPromptTurn(deps: AcpDeps, session: AcpSession, prompt: ContentBlock[], signal: AbortSignal): Promise<PromptResponse> {
  if (session.turn !== undefined) {
    throw RequestError.invalidRequest({ code: 'SESSION_BUSY' }, `Session ${session.id} is already running task ${session.turn.taskId ?? '(starting)'}`);
  }
  const turn = newTurn();
  session.turn = turn;
  const onAbort = () => void interruptTurn(deps, turn);
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const text = promptText(prompt);
    const taskId = `acp-${randomUUID()}`;
    const options = session.approvalTools.length > 0 ? { require_approval: session.approvalTools } : undefined;
    await submitInSession(deps, session, { task_id: taskId, prompt: text, options });
    turn.taskId = taskId;
    if (turn.cancelled) await interruptTurn(deps, turn);
    const complete = await followTask(deps, session, turn, taskId, { after: 0 });
    return {
      stopReason: stopReasonFor(taskId, turn, complete),
      _meta: { ccs: { task_id: taskId, status: complete.status, cost_usd: complete.cost_usd, num_turns: complete.num_turns } },
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
    turn.asks.abort();
    session.turn = undefined;
  }
}
