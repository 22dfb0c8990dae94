import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../observability/logger.js';
import type { ChangeBaseline } from './change-types.js';
import { findRepository, gitBaseline } from './git-baseline.js';
import { snapshotBaseline } from './snapshot-baseline.js';

/**
 * Records what each task changes in its workspace: through git where the workspace is in a
 * repository, otherwise from a snapshot. A baseline that cannot be taken never fails the task;
 * its changed_files is then left null.
 */
export class ChangeTracker {
  constructor(
    private readonly tempDir: string,
    private readonly logger: Logger,
  ) {}

  async begin(taskId: string, workspace: string): Promise<ChangeBaseline | null> {
    try {
      if (await findRepository(workspace)) {
        await mkdir(this.tempDir, { recursive: true });
        return await gitBaseline(workspace, path.join(this.tempDir, `${taskId.replace(/[^A-Za-z0-9._-]/g, '_')}.index`));
      }
      return await snapshotBaseline(workspace);
    } catch (error) {
      this.logger.warn('Could not record the workspace before the task; its changed files will not be reported', { task_id: taskId, error });
      return null;
    }
  }
}
