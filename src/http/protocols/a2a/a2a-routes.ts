import type { FastifyInstance } from 'fastify';
import type { Services } from '../../../server/services.js';
import { countRequest } from './a2a-call.js';
import { AGENT_CARD_PATH, agentCard } from './agent-card.js';
import { registerJsonRpcBinding } from './jsonrpc-binding.js';
import { registerRestBinding } from './rest-binding.js';

/** A JSON body that may be empty (A2A's REST client sends a JSON content type on bodiless POSTs such as :cancel). */
function allowEmptyJson(scope: FastifyInstance): void {
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser(['application/json', 'application/a2a+json'], { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch (error) {
      done(Object.assign(error as Error, { statusCode: 400 }), undefined);
    }
  });
}

/**
 * The A2A protocol (specification 1.0) over the server's own tasks, sessions, approvals, event
 * log and webhook outbox: the agent card, the JSON-RPC binding and the HTTP+JSON binding. The
 * app's auth and rate-limit hooks cover every route (the card is public, as /health is).
 */
export async function registerA2aRoutes(app: FastifyInstance, services: Services): Promise<void> {
  app.get(AGENT_CARD_PATH, async (request) => {
    countRequest(services, 'GetAgentCard');
    return agentCard(request, services.config.api.authEnabled);
  });
  await app.register(async (scope) => {
    allowEmptyJson(scope);
    await registerJsonRpcBinding(scope, services);
  });
  await app.register(async (scope) => {
    allowEmptyJson(scope);
    await registerRestBinding(scope, services);
  });
}
