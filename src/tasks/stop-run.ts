import type { AgentRun } from '../agent/agent-types.js';

/**
 * Asks a run to stop, then kills it if it has not stopped within the grace period. An
 * interrupt that cannot be delivered, or one the agent ignores, ends in a kill.
 */
export async function stopRun(run: AgentRun, outputEnded: Promise<void>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<'grace'>((resolve) => (timer = setTimeout(() => resolve('grace'), graceMs)));
  const sent = run.interrupt().then(
    () => 'sent' as const,
    () => 'failed' as const,
  );
  try {
    const first = await Promise.race([sent, outputEnded.then(() => 'ended' as const), grace]);
    if (first === 'ended') return;
    if (first === 'failed' || (await Promise.race([outputEnded.then(() => 'ended' as const), grace])) === 'grace') run.abort();
  } finally {
    clearTimeout(timer);
  }
}
