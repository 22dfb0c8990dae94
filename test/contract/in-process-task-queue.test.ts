import { InProcessTaskQueue } from '../../src/tasks/queue/in-process-task-queue.js';
import { taskQueueContract } from './task-queue.contract.js';

taskQueueContract('in-process', async (limits) => {
  const queue = new InProcessTaskQueue(limits);
  return { queue, cleanup: () => queue.close() };
});
