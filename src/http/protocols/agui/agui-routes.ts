import type { TaskOrigin } from '../../../tasks/task-service.js';
import { traceOriginOf } from '../../trace-origin.js';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../../errors.js';
import type { Services } from '../../../server/services.js';
import { externalId, type Tenant } from '../../../tenancy/tenant.js';
import { parseRunInput, type RunRequest } from './run-input.js';
import { planResume, planRun, type RunPlan } from './run-plan.js';
import { streamRun } from './run-stream.js';
import { openAguiSse } from './sse-writer.js';

/** Not in openapi.json: the AG-UI protocol defines this endpoint's body and events (docs/protocols/agui.md). */
export const AGUI_PATH = '/agui';

/**
 * AG-UI over HTTP: `POST /agui` takes a RunAgentInput and answers with the run's events as
 * Server-Sent Events. A thin mapping onto the task service, approvals and the durable event log;
 * auth, tenancy and the rate limit are the app's hooks, as for every REST route.
 */
export function registerAguiRoutes(app: FastifyInstance, services: Services): void {
  const logger = services.logger.child('agui');
  const count = (operation: string, outcome: string) => services.metrics.protocolRequests.inc({ protocol: 'agui', operation, outcome });

  // Everything that can refuse a request does so here, as a plain error response before the stream opens.
  const accept = async (tenant: Tenant, body: unknown, origin: TaskOrigin | undefined): Promise<{ run: RunRequest; plan: RunPlan }> => {
    let operation = 'run';
    try {
      const run = parseRunInput(body);
      operation = run.resume.length > 0 ? 'resume' : 'run';
      const plan = run.resume.length > 0 ? await planResume(services, tenant, run) : await planRun(services, tenant, run, origin);
      count(plan.operation, 'ok');
      return { run, plan };
    } catch (error) {
      count(operation, error instanceof DomainError ? error.code : 'INTERNAL_ERROR');
      throw error;
    }
  };

  app.post(AGUI_PATH, async (request, reply) => {
    const tenant = request.tenant;
    const { run, plan } = await accept(tenant, request.body, traceOriginOf(request));

    const sse = openAguiSse(request, reply);
    const clientTaskId = externalId(plan.task.task_id);
    try {
      await sse.write({ type: 'RUN_STARTED', threadId: run.threadId, runId: run.runId });
      const end = await streamRun(services, { tenant, task: plan.task, threadId: run.threadId, runId: run.runId }, plan.afterSeq, sse);
      // A client that stops reading mid-run (HttpAgent.abortRun) cancels it, unless it asked to keep it running.
      if (end === 'client_gone' && (run.props.on_disconnect ?? 'interrupt') === 'interrupt') {
        logger.info('AG-UI client went away mid-run; interrupting its task', { task_id: plan.task.task_id });
        await services.tasks.interrupt(tenant, clientTaskId).catch((error: unknown) => {
          if (!(error instanceof DomainError && error.code === 'TASK_NOT_RUNNING'))
            logger.warn('Could not interrupt the task', { task_id: plan.task.task_id, error });
        });
      }
    } finally {
      sse.end();
    }
  });
}
