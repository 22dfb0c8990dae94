import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors.js';
import { TASK_STATUSES } from '../tasks/task-types.js';

/** Pieces both the answers (response-schemas.ts) and the events (event-schemas.ts) are built from. */

export const timestamp = z.string().describe('ISO 8601 timestamp, UTC, e.g. 2026-01-19T10:00:00.000Z');
export const nullableTimestamp = timestamp.nullable();

export const errorCodeSchema = z.enum(Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]]);

export const usageSchema = z
  .object({ input_tokens: z.number().int(), output_tokens: z.number().int() })
  .meta({ id: 'Usage', description: 'Model tokens used by this task (its own, also in a reused session).' });

export const taskStatusSchema = z.enum(TASK_STATUSES).meta({
  id: 'TaskStatus',
  description: '`queued → running → completed | failed | interrupted | timed_out`; the last four are final.',
});
