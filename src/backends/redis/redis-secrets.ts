import type { Config } from '../../config.js';

/** STORAGE_REDIS_URL and its password, for the redactor: a connection string must never reach logs or events. */
export function redisSecrets(config: Pick<Config, 'storage'>): string[] {
  const url = config.storage.redisUrl;
  if (url === undefined) return [];
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password === '' ? [url] : [url, password];
  } catch {
    return [url];
  }
}
