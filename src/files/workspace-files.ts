import type { Readable } from 'node:stream';
import type { AgentSandbox } from '../agent/isolation/agent-sandbox.js';
import { DomainError } from '../errors.js';
import type { SessionService } from '../sessions/session-service.js';
import type { Store } from '../storage/store.js';
import type { TaskService } from '../tasks/task-service.js';
import { isTerminal } from '../tasks/task-types.js';
import { externalId, type Tenant } from '../tenancy/tenant.js';
import { archiveWorkspace, DEFAULT_EXCLUDES } from './file-archive.js';
import { pathComponents } from './file-paths.js';
import { readPath, type FileRead } from './file-read.js';
import { uploadFile, type UploadedFile } from './file-upload.js';

export type { FileRead, DirectoryEntry } from './file-read.js';
export type { UploadedFile } from './file-upload.js';
export { DEFAULT_EXCLUDES } from './file-archive.js';

export interface ArchiveDownload {
  filename: string;
  contentType: string;
  body: Readable | string;
  cancel?: () => void;
}

/**
 * Files in and out of a session's workspace, and a task's workspace as an archive or patch.
 * It needs only the stored session or task record and the shared WORKSPACE_ROOT, so any
 * instance answers; every byte is read and written as the tenant in its sandbox (file-scripts.ts).
 */
export class WorkspaceFiles {
  constructor(
    private readonly deps: {
      sandbox: AgentSandbox;
      sessions: Pick<SessionService, 'get'>;
      tasks: Pick<TaskService, 'get'>;
      store: Pick<Store, 'getTaskDiff'>;
      maxUploadBytes: number;
    },
  ) {}

  get maxUploadBytes(): number {
    return this.deps.maxUploadBytes;
  }

  /**
   * Writes `body` to `path` in the session's workspace (parents created), replacing a file there.
   * Allowed while a task runs: the agent sees the file appear whole, as if written by a rename.
   */
  async upload(tenant: Tenant, sessionId: string, path: string, body: Readable, complete: () => boolean, declaredBytes?: number): Promise<UploadedFile> {
    const session = await this.deps.sessions.get(tenant, sessionId);
    const names = pathComponents(path);
    if (names.length === 0) throw new DomainError('FILE_PATH_INVALID', 'The path names the workspace itself; name a file in it');
    if (declaredBytes !== undefined && declaredBytes > this.deps.maxUploadBytes) {
      throw new DomainError('FILE_TOO_LARGE', `The file is larger than FILE_UPLOAD_MAX_BYTES (${this.deps.maxUploadBytes} bytes)`);
    }
    const identity = this.deps.sandbox.identityFor(tenant.id);
    return uploadFile(this.deps.sandbox, { identity, workspace: session.workspace, names, body, complete, maxBytes: this.deps.maxUploadBytes });
  }

  /** A file's bytes, or a directory's listing ("." is the workspace root). */
  async read(tenant: Tenant, sessionId: string, path: string): Promise<FileRead> {
    const session = await this.deps.sessions.get(tenant, sessionId);
    const names = pathComponents(path);
    return readPath(this.deps.sandbox, this.deps.sandbox.identityFor(tenant.id), session.workspace, names);
  }

  /** The task's workspace as it is now (tar.gz), or what the task changed (patch, once it has finished). */
  async archive(tenant: Tenant, taskId: string, format: 'tar.gz' | 'patch', excludes: readonly string[] = DEFAULT_EXCLUDES): Promise<ArchiveDownload> {
    const task = await this.deps.tasks.get(tenant, taskId);
    const name = externalId(task.task_id).replace(/[^A-Za-z0-9._-]/g, '_');
    if (format === 'patch') {
      if (!isTerminal(task.status)) {
        throw new DomainError('TASK_NOT_FINISHED', `Task ${externalId(task.task_id)} is ${task.status}; its patch is ready once it has finished`);
      }
      const diff = (await this.deps.store.getTaskDiff(task.task_id)) ?? '';
      return { filename: `${name}.patch`, contentType: 'text/x-patch; charset=utf-8', body: diff };
    }
    const identity = this.deps.sandbox.identityFor(tenant.id);
    const { body, cancel } = await archiveWorkspace(this.deps.sandbox, identity, task.workspace, excludes);
    return { filename: `${name}.tar.gz`, contentType: 'application/gzip', body, cancel };
  }
}
