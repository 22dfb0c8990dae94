import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Module } from '../server/module.js';
import { SecretCipher } from './secret-cipher.js';
import { resealAll } from './secret-rotation.js';
import { SecretService } from './secret-service.js';
import type { SecretStore } from './secret-types.js';

/** The secret store's service; as a SecretReader it is what other modules are given. */
export type SecretsApi = SecretService;

/**
 * Tenant secrets. Without SECRETS_KEY every route answers 503. With SECRETS_KEY_PREVIOUS set,
 * start() re-encrypts in the background every secret still sealed under an older key, so the
 * operator can drop that key once the "Secrets key rotation finished" line says nothing is left.
 */
export function createSecretsModule(deps: { config: Config; logger: Logger; now: () => Date; store: SecretStore }): Module<SecretsApi> {
  const { key, previousKeys } = deps.config.secrets;
  const logger = deps.logger.child('secrets');
  const cipher = key === undefined ? null : new SecretCipher(key, previousKeys);
  const service = new SecretService({ store: deps.store, cipher, now: deps.now, logger });
  let sweep: Promise<void> = Promise.resolve();
  return {
    api: service,
    start: () => {
      if (cipher === null || previousKeys.length === 0) return;
      sweep = resealAll(deps.store, cipher, logger).then(
        (outcome) => logger.info('Secrets key rotation finished', { ...outcome }),
        (error: unknown) => logger.error('Secrets key rotation failed; it is tried again at the next start', { error: (error as Error).message }),
      );
    },
    // Storage closes after this module stops: let the sweep finish its writes first.
    stop: () => sweep,
  };
}
