import type { TaskStatus } from '../../packages/client/src/index.js';

/**
 * `ccs` exit codes (documented in docs/clients.md). With --follow the code follows the task's final
 * status, so a script can branch on it.
 */
export const EXIT = {
  OK: 0,
  TASK_FAILED: 1,
  USAGE: 2,
  API_ERROR: 3,
  TASK_TIMED_OUT: 4,
  TASK_INTERRUPTED: 5,
  /** Ctrl-C: stopped following, the task was left running. */
  DETACHED: 130,
} as const;

/** Where an unhealthy `ccs health` lands: the server answers, but not as healthy. */
export const EXIT_UNHEALTHY = EXIT.TASK_FAILED;

export function exitCodeForStatus(status: TaskStatus): number {
  switch (status) {
    case 'completed':
      return EXIT.OK;
    case 'failed':
      return EXIT.TASK_FAILED;
    case 'timed_out':
      return EXIT.TASK_TIMED_OUT;
    case 'interrupted':
      return EXIT.TASK_INTERRUPTED;
    case 'queued':
    case 'running':
      return EXIT.OK;
  }
}
