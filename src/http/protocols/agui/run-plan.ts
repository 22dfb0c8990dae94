import type { TaskOrigin } from '../../../tasks/task-service.js';
import { ApiError, DomainError } from '../../../errors.js';
import { submitTaskSchema } from '../../schemas.js';
import { validate } from '../../validate.js';
import type { Services } from '../../../server/services.js';
import type { Task } from '../../../tasks/task-types.js';
import { internalId, type Tenant } from '../../../tenancy/tenant.js';
import { answerOf, parseInterruptId, type RunRequest } from './run-input.js';

export type PlanDeps = Pick<Services, 'tasks' | 'approvals' | 'sessions' | 'stream'>;

/** The task a POST /agui streams, from which seq, and what kind of request it was. */
export interface RunPlan {
  task: Task;
  afterSeq: number;
  operation: 'run' | 'replay' | 'resume';
}

const SEARCH_PAGE = 500;

function isCode(error: unknown, code: string): boolean {
  return error instanceof DomainError && error.code === code;
}

async function threadExists(deps: PlanDeps, tenant: Tenant, threadId: string): Promise<boolean> {
  try {
    await deps.sessions.get(tenant, threadId);
    return true;
  } catch (error) {
    if (isCode(error, 'SESSION_NOT_FOUND')) return false;
    throw error;
  }
}

/**
 * A run: the REST submit with task_id = runId and the thread as the session. The same runId and
 * input again finds the task already there (REST idempotency) and replays it instead.
 */
export async function planRun(deps: PlanDeps, tenant: Tenant, run: RunRequest, origin?: TaskOrigin): Promise<RunPlan> {
  if (run.prompt === null || run.prompt.trim() === '') {
    throw new ApiError('VALIDATION_ERROR', 'messages: the last user message carries the prompt, and there is no user message with text');
  }
  const { on_disconnect: _ignored, ...props } = run.props;
  const bodyFor = (reuse: boolean) =>
    validate(
      submitTaskSchema,
      { ...props, task_id: run.runId, prompt: run.prompt, session: reuse ? { session_id: run.threadId, reuse_existing: true } : { session_id: run.threadId } },
      'body',
    );
  const reuse = await threadExists(deps, tenant, run.threadId);
  try {
    const { task, created } = await deps.tasks.submit(tenant, bodyFor(reuse), undefined, origin);
    return { task, afterSeq: 0, operation: created ? 'run' : 'replay' };
  } catch (error) {
    // Another run opened this thread a moment ago: run in it.
    if (!reuse && isCode(error, 'SESSION_ALREADY_EXISTS')) {
      const { task, created } = await deps.tasks.submit(tenant, bodyFor(true), undefined, origin);
      return { task, afterSeq: 0, operation: created ? 'run' : 'replay' };
    }
    // The run that opened this thread was submitted before its session existed: match it as it was sent.
    if (!reuse || !isCode(error, 'TASK_ID_CONFLICT')) throw error;
    const { task } = await deps.tasks.submit(tenant, bodyFor(false), undefined, origin);
    return { task, afterSeq: 0, operation: 'replay' };
  }
}

async function seqOfRequest(deps: PlanDeps, taskId: string, requestId: string): Promise<number> {
  for (let after = 0; ;) {
    const page = await deps.stream.page(taskId, after, SEARCH_PAGE);
    const found = page.find((e) => e.type === 'permission_request' && e.data.request_id === requestId);
    if (found) return found.seq;
    if (page.length < SEARCH_PAGE) return 0;
    after = page.at(-1)!.seq;
  }
}

/**
 * A resume: each entry answers one of our permission requests (allow/deny), then the task's
 * events after the earliest answered request are streamed.
 */
export async function planResume(deps: PlanDeps, tenant: Tenant, run: RunRequest): Promise<RunPlan> {
  const entries = run.resume.map((entry) => ({ ...parseInterruptId(entry.interruptId), answer: answerOf(entry) }));
  const taskIds = new Set(entries.map((e) => e.clientTaskId));
  if (taskIds.size !== 1) throw new ApiError('VALIDATION_ERROR', 'resume: every entry must answer an interrupt of the same run');
  const task = await deps.tasks.get(tenant, entries[0]!.clientTaskId);
  if (task.session_id !== internalId(tenant.id, run.threadId)) {
    throw new ApiError('VALIDATION_ERROR', `resume: the interrupt does not belong to thread ${run.threadId}`);
  }
  let afterSeq = Number.MAX_SAFE_INTEGER;
  for (const entry of entries) {
    await deps.approvals.answer(task, entry.requestId, entry.answer);
    afterSeq = Math.min(afterSeq, await seqOfRequest(deps, task.task_id, entry.requestId));
  }
  return { task, afterSeq, operation: 'resume' };
}
