import type { RequestOptions } from './http.js';
import type { ArgsOf, RequestOperationId, ResponseOf } from './routes.js';
import type { Secret, SecretList } from './types.js';

/** What SecretsApi needs of the client: its typed request. */
interface Requester {
  request<Op extends RequestOperationId>(op: Op, args: ArgsOf<Op>, options?: RequestOptions): Promise<ResponseOf<Op>>;
}

/** `ccs.secrets`: write-only values of your tenant that a task's MCP server headers name (`{"secret": "<name>"}`). */
export class SecretsApi {
  constructor(private readonly client: Requester) {}

  /** Creates the secret or replaces its value; the answer never carries the value. */
  set(name: string, value: string, options?: RequestOptions): Promise<Secret> {
    return this.client.request('setSecret', { body: { name, value } }, options);
  }

  /** Your secrets, sorted by name, without values. */
  list(options?: RequestOptions): Promise<SecretList> {
    return this.client.request('listSecrets', {}, options);
  }

  get(name: string, options?: RequestOptions): Promise<Secret> {
    return this.client.request('getSecret', { path: { name } }, options);
  }

  async delete(name: string, options?: RequestOptions): Promise<void> {
    await this.client.request('deleteSecret', { path: { name } }, options);
  }
}
