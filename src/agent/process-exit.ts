/** How long a killed process may take to be reaped before we stop waiting for it. */
const KILL_REAP_MS = 5000;

/**
 * Waits for processes that were asked to end (their input closed) to exit by themselves within
 * `graceMs`, kills those that linger through their abort controllers, then waits for the reap.
 * A server that returned earlier could exit with an agent process still running and writing
 * into its private home under DATA_DIR.
 */
export async function awaitExitOrKill(exited: Promise<unknown>, abortControllers: readonly AbortController[], graceMs: number): Promise<void> {
  if (await settlesWithin(exited, graceMs)) return;
  for (const controller of abortControllers) controller.abort();
  await settlesWithin(exited, KILL_REAP_MS);
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
