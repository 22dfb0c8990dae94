import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CcsApiError, CcsClient } from '../../packages/client/src/index.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** ccs.secrets through the typed client, against a real daemon. */
describe('CcsClient secrets', () => {
  let server: TestServer;
  let ccs: CcsClient;

  beforeAll(async () => {
    server = await startTestServer({ SECRETS_KEY: 'client-secrets-test-key-0123456789abcd' });
    ccs = new CcsClient({ baseUrl: server.baseUrl });
  });
  afterAll(async () => server?.close());

  it('set, replace, list, get and delete; errors as CcsApiError with their codes', async () => {
    const created = await ccs.secrets.set('api-token', 'first-client-value');
    expect(Object.keys(created).sort()).toEqual(['created_at', 'name', 'updated_at']);
    const replaced = await ccs.secrets.set('api-token', 'second-client-value');
    expect(replaced.created_at).toBe(created.created_at);
    await ccs.secrets.set('Another', 'x');
    expect((await ccs.secrets.list()).secrets.map((s) => s.name)).toEqual(['Another', 'api-token']);
    expect(await ccs.secrets.get('api-token')).toEqual(replaced);
    expect(await server.secrets.reveal('default', 'api-token')).toBe('second-client-value');

    await expect(ccs.secrets.delete('api-token')).resolves.toBeUndefined();
    const missing = await ccs.secrets.get('api-token').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(CcsApiError);
    expect(missing).toMatchObject({ status: 404, code: 'SECRET_NOT_FOUND' });
    await expect(ccs.secrets.delete('api-token')).rejects.toMatchObject({ status: 404, code: 'SECRET_NOT_FOUND' });
    await expect(ccs.secrets.set('bad name', 'x')).rejects.toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
  });
});
