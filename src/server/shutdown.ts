import type { WebSocket } from 'ws';
import { WS_CLOSE } from '../events/ws-close-codes.js';
import type { Logger } from '../observability/logger.js';
import type { ComposedServer } from './compose.js';

/** The HTTP front as shutdown sees it: its open event-stream sockets, and closing it. */
export interface ClosableFront {
  sockets: Iterable<WebSocket>;
  close(): Promise<unknown>;
}

/**
 * Graceful stop: refuse new work (503), let running tasks finish within the grace period,
 * interrupt and record whatever is still running, then close sockets and the modules.
 */
export async function shutdownGracefully(server: ComposedServer, front: ClosableFront, logger: Logger, graceMs: number): Promise<void> {
  const { tasks, events } = server;
  const { executor, scheduler } = tasks;
  // First, so that no tick is refused by the stopping server; another instance (or the restart) fires it.
  await server.schedules.engine.stop();
  tasks.beginShutdown();
  scheduler.pause();
  const running = executor.activeTaskIds();
  logger.info('Shutting down', { running_tasks: running.length, queued_tasks: scheduler.queuedCount, grace_ms: graceMs });

  const allDone = Promise.all(running.map((id) => executor.whenDone(id)));
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), graceMs)));
  const first = await Promise.race([allDone.then(() => 'done' as const), graceOver]);
  clearTimeout(timer);
  if (first === 'grace') {
    const left = executor.activeTaskIds();
    logger.warn('Grace period over; interrupting running tasks', { task_ids: left });
    for (const id of left) executor.stop(id, 'shutdown');
    await Promise.all(left.map((id) => executor.whenDone(id)));
  }

  // Streams of tasks that just ended still have their last events to send; give them a moment.
  await events.stream.idle(2000);
  events.stream.stopAll();
  for (const socket of front.sockets) socket.close(WS_CLOSE.SERVER_SHUTDOWN, 'server shutting down');
  await front.close();
  await server.stop();
}
