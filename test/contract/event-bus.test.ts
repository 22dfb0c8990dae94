import { EventLog } from '../../src/events/event-log.js';
import { MemoryStore } from '../../src/backends/memory/memory-store.js';
import { eventWakeupsContract } from './event-bus.contract.js';

// One process: the log wakes its own readers, and no bus is involved.
eventWakeupsContract('in-process (the EventLog, no bus)', async () => {
  const log = new EventLog(new MemoryStore());
  return { readers: [log, log], writer: log, cleanup: async () => undefined };
});
