import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Module } from '../server/module.js';
import type { SessionService } from './session-service.js';

/**
 * Expires sessions idle for SESSION_IDLE_TIMEOUT_SECONDS, every SESSION_CLEANUP_INTERVAL_SECONDS,
 * and closes their live agent processes. A session with queued or running work is left alone.
 */
export function createSessionExpiry(deps: {
  config: Config;
  logger: Logger;
  sessions: SessionService;
  hasWorkFor: (sessionId: string) => boolean | Promise<boolean>;
  closeLiveProcess: (sessionId: string) => void;
}): Module<null> {
  const { config, sessions } = deps;
  const logger = deps.logger.child('sessions');
  let timer: NodeJS.Timeout | undefined;
  return {
    api: null,
    start: () => {
      timer = setInterval(() => {
        sessions
          .expireIdle(config.sessions.idleTimeoutSeconds * 1000, deps.hasWorkFor)
          .then((expired) => expired.forEach((id) => deps.closeLiveProcess(id)))
          .catch((error: unknown) => logger.error('Session cleanup failed', { error }));
      }, config.sessions.cleanupIntervalSeconds * 1000);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
