import { TicketStore } from '../../src/tenancy/ws-tickets.js';
import { TICKET_CLOCK_START, wsTicketsContract } from './ws-tickets.contract.js';

wsTicketsContract('in-process', async () => {
  let clock = TICKET_CLOCK_START;
  return {
    tickets: new TicketStore(() => clock),
    passTime: async (ms) => {
      clock += ms;
    },
    cleanup: async () => undefined,
  };
});
