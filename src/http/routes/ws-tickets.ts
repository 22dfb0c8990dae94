import type { FastifyInstance } from 'fastify';
import type { WsTickets } from '../../tenancy/ws-tickets.js';
import { json, operation, urlOf } from '../openapi/operation.js';
import { wsTicketSchema } from '../response-schemas.js';

export const WS_TICKET_OPERATION = operation({
  method: 'post',
  path: '/api/v1/ws-tickets',
  id: 'createWsTicket',
  summary: 'A single-use ticket for a WebSocket upgrade',
  description:
    'For browsers, which cannot set headers on a WebSocket: ask for a ticket with your key, then connect to ' +
    '`/ws/tasks/{task_id}?ticket=…`. A ticket is valid once, for 30 seconds, and only for your own tasks. Never put a key in a URL.',
  tags: ['events'],
  responses: { '201': json(wsTicketSchema, 'The ticket.') },
});

/**
 * `POST /api/v1/ws-tickets`: a browser cannot set headers on a WebSocket, so it asks for a
 * ticket here (with its key, like any call) and connects to `/ws/tasks/{id}?ticket=…`. The
 * ticket is valid once, for 30 seconds, for the caller's tenant only.
 */
export function registerWsTicketRoute(app: FastifyInstance, tickets: WsTickets): void {
  app.post(urlOf(WS_TICKET_OPERATION), async (request, reply) => reply.code(201).send(await tickets.issue(request.tenant.id)));
}
