import type { FastifyInstance } from 'fastify';
import { WS_CLOSE } from './events/ws-close-codes.js';
import type { Logger } from './observability/logger.js';
import type { ServerContext } from './server-context.js';

/**
 * Graceful stop: refuse new work (503), let running tasks finish within the grace period,
 * interrupt and record whatever is still running, then close sockets and storage.
 */
export async function shutdownGracefully(ctx: ServerContext, app: FastifyInstance, logger: Logger, graceMs: number): Promise<void> {
  ctx.beginShutdown();
  ctx.scheduler.pause();
  const running = ctx.executor.activeTaskIds();
  logger.info('Shutting down', { running_tasks: running.length, queued_tasks: ctx.scheduler.queuedCount, grace_ms: graceMs });

  const allDone = Promise.all(running.map((id) => ctx.executor.whenDone(id)));
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), graceMs)));
  const first = await Promise.race([allDone.then(() => 'done' as const), graceOver]);
  clearTimeout(timer);
  if (first === 'grace') {
    const left = ctx.executor.activeTaskIds();
    logger.warn('Grace period over; interrupting running tasks', { task_ids: left });
    for (const id of left) ctx.executor.stop(id, 'shutdown');
    await Promise.all(left.map((id) => ctx.executor.whenDone(id)));
  }

  // Streams of tasks that just ended still have their last events to send; give them a moment.
  await ctx.stream.idle(2000);
  ctx.stream.stopAll();
  for (const socket of ctx.sockets) socket.close(WS_CLOSE.SERVER_SHUTDOWN, 'server shutting down');
  await app.close();
  await ctx.close();
}
