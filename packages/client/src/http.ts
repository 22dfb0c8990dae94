import { CcsApiError, CcsConnectionError } from './errors.js';
import { ROUTES, fillPath, queryString, type ArgsOf, type RequestOperationId, type ResponseOf } from './routes.js';

export interface HttpOptions {
  /** Where the daemon listens, e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** Sent as `X-API-Key` on every request, when the server has auth enabled. */
  apiKey?: string | undefined;
  /** Extra headers for every request (e.g. a tracing header). */
  headers?: Record<string, string> | undefined;
  /** A fetch implementation; the global one by default. */
  fetch?: typeof fetch | undefined;
}

export interface RequestOptions {
  signal?: AbortSignal | undefined;
  /** Sent as X-Request-Id; the server logs the request under it. */
  requestId?: string | undefined;
  /** Extra headers for this request only (a trigger token, an Idempotency-Key). */
  headers?: Record<string, string> | undefined;
}

/** Sends requests described by the route table; turns error answers into CcsApiError. */
export class HttpTransport {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: HttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Headers every request carries: the key and the caller's own. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...this.options.headers, ...extra };
    if (this.options.apiKey) headers['x-api-key'] = this.options.apiKey;
    return headers;
  }

  get hasApiKey(): boolean {
    return Boolean(this.options.apiKey);
  }

  url(path: string): string {
    return this.baseUrl + path;
  }

  /** A fetch that reports an unreachable server as CcsConnectionError and passes aborts through. */
  async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, init);
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CcsConnectionError(`Cannot reach ${this.baseUrl}: ${why}`, url, { cause: error });
    }
  }

  async request<Op extends RequestOperationId>(op: Op, args: ArgsOf<Op>, options: RequestOptions = {}): Promise<ResponseOf<Op>> {
    const spec = ROUTES[op];
    const { path, query, body } = args as { path?: Record<string, string>; query?: object; body?: unknown };
    const url = this.url(fillPath(spec.path, path) + queryString(query));
    const extra: Record<string, string> = { ...options.headers, accept: spec.kind === 'json' ? 'application/json' : '*/*' };
    if (body !== undefined) extra['content-type'] = 'application/json';
    if (options.requestId) extra['x-request-id'] = options.requestId;
    const response = await this.fetch(url, {
      method: spec.method,
      headers: this.headers(extra),
      body: body === undefined ? null : JSON.stringify(body),
      signal: options.signal ?? null,
    });
    const alsoOk: readonly number[] = ('alsoOk' in spec ? spec.alsoOk : undefined) ?? [];
    if (!response.ok && !alsoOk.includes(response.status)) throw await CcsApiError.fromResponse(response);
    // 204 (a deleted secret): there is no body to read.
    if (response.status === 204) return undefined as ResponseOf<Op>;
    const result = spec.kind === 'text' ? await response.text() : ((await response.json()) as unknown);
    return result as ResponseOf<Op>;
  }
}
