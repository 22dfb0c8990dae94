import { CcsApiError } from './errors.js';
import type { HttpTransport, RequestOptions } from './http.js';
import { ROUTES, fillPath, queryString } from './routes.js';
import type { ArchiveQuery, DirectoryListing, UploadedFile } from './files.js';

/** What an upload takes: bytes, text, a Blob, or a stream (sent as it is read). */
export type UploadBody = string | Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array>;

/**
 * The routes whose bodies are not JSON: an upload's raw bytes, a download, an archive. They go
 * through the same transport (key, headers, errors) as every other route.
 */
export class FilesApi {
  constructor(private readonly http: () => HttpTransport) {}

  /** Writes `body` to `path` in the session's workspace (parents created, a file there replaced). */
  async upload(sessionId: string, path: string, body: UploadBody, options: RequestOptions = {}): Promise<UploadedFile> {
    const stream = typeof ReadableStream !== 'undefined' && body instanceof ReadableStream;
    const response = await this.send('uploadFile', { session_id: sessionId }, { path }, options, {
      method: 'PUT',
      body: body as NonNullable<RequestInit['body']>,
      contentType: 'application/octet-stream',
      ...(stream ? { duplex: 'half' } : {}),
    });
    return (await response.json()) as UploadedFile;
  }

  /** A file's bytes. */
  async download(sessionId: string, path: string, options?: RequestOptions): Promise<Uint8Array> {
    const response = await this.send('readFile', { session_id: sessionId }, { path }, options);
    if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
      throw new TypeError(`"${path}" is a directory; use listFiles()`);
    }
    return new Uint8Array(await response.arrayBuffer());
  }

  /** A file's bytes as a stream (for files too large to hold). */
  async downloadStream(sessionId: string, path: string, options?: RequestOptions): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send('readFile', { session_id: sessionId }, { path }, options);
    if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
      await response.body?.cancel();
      throw new TypeError(`"${path}" is a directory; use listFiles()`);
    }
    return response.body ?? new Blob([]).stream();
  }

  /** A directory's entries with sizes and hashes ('.' is the workspace root). */
  async listFiles(sessionId: string, path = '.', options?: RequestOptions): Promise<DirectoryListing> {
    const response = await this.send('readFile', { session_id: sessionId }, { path }, options);
    if (!(response.headers.get('content-type') ?? '').startsWith('application/json')) {
      await response.body?.cancel();
      throw new TypeError(`"${path}" is a file; use download()`);
    }
    return (await response.json()) as DirectoryListing;
  }

  /** The task's workspace (tar.gz, streamed) or what it changed (patch). */
  async archive(taskId: string, query: ArchiveQuery = {}, options?: RequestOptions): Promise<ReadableStream<Uint8Array>> {
    const response = await this.send('getTaskArchive', { task_id: taskId }, query, options);
    return response.body ?? new Blob([]).stream();
  }

  private async send(
    op: 'uploadFile' | 'readFile' | 'getTaskArchive',
    path: Record<string, string>,
    query: object,
    options: RequestOptions = {},
    init: { method?: string; body?: NonNullable<RequestInit['body']>; contentType?: string; duplex?: 'half' } = {},
  ): Promise<Response> {
    const http = this.http();
    const headers: Record<string, string> = { ...options.headers };
    if (init.contentType) headers['content-type'] = init.contentType;
    if (options.requestId) headers['x-request-id'] = options.requestId;
    const response = await http.fetch(http.url(fillPath(ROUTES[op].path, path) + queryString(query)), {
      method: init.method ?? ROUTES[op].method,
      headers: http.headers(headers),
      body: init.body ?? null,
      signal: options.signal ?? null,
      ...(init.duplex ? { duplex: init.duplex } : {}),
    } as RequestInit);
    if (!response.ok) throw await CcsApiError.fromResponse(response);
    return response;
  }
}
