import type { FastifyInstance } from 'fastify';
import type { WsTickets } from '../../tenancy/ws-tickets.js';

/**
 * `POST /api/v1/ws-tickets`: a browser cannot set headers on a WebSocket, so it asks for a
 * ticket here (with its key, like any call) and connects to `/ws/tasks/{id}?ticket=…`. The
 * ticket is valid once, for 30 seconds, for the caller's tenant only.
 */
export function registerWsTicketRoute(app: FastifyInstance, tickets: WsTickets): void {
  app.post('/api/v1/ws-tickets', async (request, reply) => reply.code(201).send(await tickets.issue(request.tenant.id)));
}
