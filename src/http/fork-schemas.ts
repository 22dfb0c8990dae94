import { z } from 'zod';
import { idField } from './schemas.js';

export const forkSessionSchema = z.strictObject({
  session_id: idField('session_id').optional().describe("The new session's id. Default: `<source>-fork-<8 hex>`."),
  at_task_id: idField('at_task_id')
    .optional()
    .describe("Fork as of the end of this finished task of the session. Default: the session's latest finished task."),
  workspace: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe("The fork's workspace (relative to the tenant's root, or absolute inside it). Default: one named after the new session."),
  copy_workspace: z
    .boolean()
    .optional()
    .describe(
      "Default true: the source workspace is copied into the fork's (which must be new or empty). false: the fork works in the source's workspace (shared), or in `workspace` as it is.",
    ),
});
