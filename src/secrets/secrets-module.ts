import type { Config } from '../config.js';
import type { Logger } from '../observability/logger.js';
import type { Module } from '../server/module.js';
import { SecretCipher } from './secret-cipher.js';
import { SecretService } from './secret-service.js';
import type { SecretStore } from './secret-types.js';

/** The secret store's service; as a SecretReader it is what other modules are given. */
export type SecretsApi = SecretService;

/** Tenant secrets: nothing runs in the background. Without SECRETS_KEY every route answers 503. */
export function createSecretsModule(deps: { config: Config; logger: Logger; now: () => Date; store: SecretStore }): Module<SecretsApi> {
  const { key, previousKeys } = deps.config.secrets;
  const cipher = key === undefined ? null : new SecretCipher(key, previousKeys);
  return { api: new SecretService({ store: deps.store, cipher, now: deps.now, logger: deps.logger.child('secrets') }) };
}
