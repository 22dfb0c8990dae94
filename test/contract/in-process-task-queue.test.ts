import { InProcessTaskQueue } from '../../src/tasks/queue/in-process-task-queue.js';
import { taskQueuePriorityContract } from './task-queue-priority.contract.js';
import { taskQueueContract, type QueueFactory } from './task-queue.contract.js';

const factory: QueueFactory = async (limits) => {
  const queue = new InProcessTaskQueue(limits);
  return { queue, cleanup: () => queue.close() };
};
taskQueueContract('in-process', factory);
taskQueuePriorityContract('in-process', factory);
