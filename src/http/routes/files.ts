import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ArchiveDownload, WorkspaceFiles } from '../../files/workspace-files.js';
import { DEFAULT_EXCLUDES } from '../../files/workspace-files.js';
import { ApiError } from '../../errors.js';
import { archiveQuerySchema, directoryListingSchema, readFileQuerySchema, uploadedFileSchema, uploadFileQuerySchema } from '../file-schemas.js';
import { errorResponse, json, operation, refTo, urlOf } from '../openapi/operation.js';
import { validate } from '../validate.js';

interface SessionParams {
  session_id: string;
}
interface TaskParams {
  task_id: string;
}

const BINARY = { schema: { type: 'string', format: 'binary' } };

export const FILE_OPERATIONS = {
  uploadFile: operation({
    method: 'put',
    path: '/api/v1/sessions/{session_id}/files',
    id: 'uploadFile',
    summary: "Write a file into a session's workspace",
    description:
      'The raw body is the file (any content type). Parents are created; a file already there is replaced whole. Runs as the tenant in its sandbox; symlinks are never followed. See docs/files.md.',
    tags: ['files'],
    query: { schema: uploadFileQuerySchema, help: { path: 'Where, relative to the workspace (no `..`, not absolute).' } },
    rawBody: { required: true, content: { 'application/octet-stream': BINARY } },
    responses: {
      '201': json(uploadedFileSchema, 'Written.'),
      '400': errorResponse('FILE_PATH_INVALID, FILE_PATH_SYMLINK, VALIDATION_ERROR, WORKSPACE_NOT_WRITABLE.'),
      '404': errorResponse('SESSION_NOT_FOUND.'),
      '409': errorResponse('FILE_PATH_CONFLICT: the path is a directory, or a parent is a file.'),
      '413': errorResponse('FILE_TOO_LARGE: over FILE_UPLOAD_MAX_BYTES.'),
    },
  }),
  readFile: operation({
    method: 'get',
    path: '/api/v1/sessions/{session_id}/files',
    id: 'readFile',
    summary: "Read a file, or list a directory, of a session's workspace",
    description: "A file's bytes (with `ETag` and `X-Content-SHA256`), or for a directory a JSON listing with sizes and hashes.",
    tags: ['files'],
    query: { schema: readFileQuerySchema, help: { path: 'Relative to the workspace; default `.` (its root).' } },
    responses: {
      '200': {
        description: "The file's bytes, or the directory's listing.",
        content: { 'application/octet-stream': BINARY, 'application/json': { schema: refTo(directoryListingSchema) } },
      },
      '400': errorResponse('FILE_PATH_INVALID, FILE_PATH_SYMLINK, VALIDATION_ERROR.'),
      '404': errorResponse('SESSION_NOT_FOUND, FILE_NOT_FOUND.'),
    },
  }),
  getTaskArchive: operation({
    method: 'get',
    path: '/api/v1/tasks/{task_id}/archive',
    id: 'getTaskArchive',
    summary: "A task's workspace as a tar.gz, or what it changed as a patch",
    description:
      '`tar.gz` (default): the workspace as it is now, streamed, without `.git` and `node_modules` unless `exclude` says otherwise. `patch`: the diff of a finished task (as GET /diff).',
    tags: ['files'],
    query: {
      schema: archiveQuerySchema,
      help: {
        format: '`tar.gz` (default) or `patch`.',
        exclude: 'tar.gz only: comma-separated names or globs to leave out, replacing the default `.git,node_modules`; empty to leave out nothing.',
      },
    },
    responses: {
      '200': { description: 'The archive.', content: { 'application/gzip': BINARY, 'text/x-patch': { schema: { type: 'string' } } } },
      '400': errorResponse('VALIDATION_ERROR.'),
      '404': errorResponse('TASK_NOT_FOUND, FILE_NOT_FOUND (the workspace is gone).'),
      '409': errorResponse('TASK_NOT_FINISHED: a patch of a queued or running task.'),
    },
  }),
};

/** Files in and out of workspaces; every byte goes through the tenant's sandbox (src/files/). */
export async function registerFileRoutes(app: FastifyInstance, files: WorkspaceFiles): Promise<void> {
  await app.register(async (scope) => {
    // Any content type is a file's bytes: the handler streams request.raw, nothing is buffered.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    scope.put<{ Params: SessionParams }>(urlOf(FILE_OPERATIONS.uploadFile), async (request, reply) => {
      const { path } = validate(uploadFileQuerySchema, request.query, 'query');
      const declared = request.headers['content-length'];
      const stored = await files.upload(
        request.tenant,
        request.params.session_id,
        path,
        request.raw,
        () => request.raw.complete,
        declared === undefined ? undefined : Number(declared),
      );
      return reply.code(201).send(stored);
    });
  });

  app.get<{ Params: SessionParams }>(urlOf(FILE_OPERATIONS.readFile), async (request, reply) => {
    const { path } = validate(readFileQuerySchema, request.query, 'query');
    const read = await files.read(request.tenant, request.params.session_id, path ?? '.');
    if (read.kind === 'dir') return { path: read.path, entries: read.entries, truncated: read.truncated };
    reply.raw.once('close', read.cancel);
    return reply
      .type('application/octet-stream')
      .header('content-length', read.size)
      .header('etag', `"${read.sha256}"`)
      .header('x-content-sha256', read.sha256)
      .header('content-disposition', attachment(read.path.split('/').pop() ?? 'file'))
      .send(read.body);
  });

  app.get<{ Params: TaskParams }>(urlOf(FILE_OPERATIONS.getTaskArchive), async (request, reply) => {
    const { format = 'tar.gz', exclude } = validate(archiveQuerySchema, request.query, 'query');
    const archive = await files.archive(request.tenant, request.params.task_id, format, excludesFrom(exclude));
    return sendArchive(reply, archive);
  });
}

function sendArchive(reply: FastifyReply, archive: ArchiveDownload): FastifyReply {
  if (archive.cancel) reply.raw.once('close', archive.cancel);
  return reply.type(archive.contentType).header('content-disposition', attachment(archive.filename)).send(archive.body);
}

function excludesFrom(raw: string | undefined): readonly string[] {
  if (raw === undefined) return DEFAULT_EXCLUDES;
  const patterns = raw
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (patterns.length > 100 || patterns.some((p) => p.includes('\0'))) throw new ApiError('VALIDATION_ERROR', 'exclude: at most 100 patterns, no NUL bytes');
  return patterns;
}

/** A Content-Disposition naming the download, ASCII-safe with the exact name in filename*. */
function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
