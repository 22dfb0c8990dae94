import type { SecretStore, StoredSecret } from '../../secrets/secret-types.js';
import { LuaScript } from './lua-script.js';
import { asStorageError, type RedisClient, type RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';

const PUT = LuaScript.load('secret-put');
const RESEAL = LuaScript.load('secret-reseal');

interface SecretFields {
  ciphertext: string;
  created_at: string;
  updated_at: string;
}

const decode = (tenantId: string, name: string, json: string): StoredSecret => {
  const { ciphertext, created_at, updated_at } = JSON.parse(json) as SecretFields;
  return { tenant_id: tenantId, name, ciphertext, created_at, updated_at };
};

/**
 * Secrets shared by every instance: one hash per tenant (field = name, value = JSON with the
 * ciphertext and times), so a value set on one instance is what every other one reveals.
 */
export class RedisSecretStore implements SecretStore {
  private readonly keys: RedisKeys;

  constructor(private readonly connection: RedisConnection) {
    this.keys = new RedisKeys(connection.prefix);
  }

  async put(secret: StoredSecret): Promise<{ created: boolean; secret: StoredSecret }> {
    const reply = (await this.run((c) =>
      PUT.run(c, [this.keys.tenantSecrets(secret.tenant_id)], [secret.name, secret.ciphertext, secret.updated_at, secret.created_at]),
    )) as [number, string];
    return { created: Number(reply[0]) === 1, secret: { ...secret, created_at: String(reply[1]) } };
  }

  async get(tenantId: string, name: string): Promise<StoredSecret | null> {
    const json = await this.run((c) => c.hGet(this.keys.tenantSecrets(tenantId), name));
    return json === null || json === undefined ? null : decode(tenantId, name, json);
  }

  async list(tenantId: string): Promise<StoredSecret[]> {
    const hash = await this.run((c) => c.hGetAll(this.keys.tenantSecrets(tenantId)));
    return Object.keys(hash)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((name) => decode(tenantId, name, hash[name]!));
  }

  async listAll(): Promise<StoredSecret[]> {
    const pattern = this.keys.tenantSecrets('*');
    const keyPrefix = pattern.slice(0, -1);
    const out: StoredSecret[] = [];
    await this.run(async (c) => {
      for await (const batch of c.scanIterator({ MATCH: pattern, COUNT: 500 })) {
        for (const key of ([] as string[]).concat(batch)) {
          const hash = await c.hGetAll(key);
          const tenantId = key.slice(keyPrefix.length);
          for (const [name, json] of Object.entries(hash)) out.push(decode(tenantId, name, json));
        }
      }
    });
    return out;
  }

  async delete(tenantId: string, name: string): Promise<boolean> {
    return (await this.run((c) => c.hDel(this.keys.tenantSecrets(tenantId), name))) === 1;
  }

  async reseal(tenantId: string, name: string, expected: string, ciphertext: string): Promise<boolean> {
    return Number(await this.run((c) => RESEAL.run(c, [this.keys.tenantSecrets(tenantId)], [name, expected, ciphertext]))) === 1;
  }

  /** Connection failures become STORAGE_UNAVAILABLE, as for every other store call. */
  private async run<T>(fn: (client: RedisClient) => Promise<T>): Promise<T> {
    try {
      return await this.connection.run(fn);
    } catch (error) {
      throw asStorageError(error);
    }
  }
}
