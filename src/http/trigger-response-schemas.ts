import { z } from 'zod';
import { nullableTimestamp, timestamp } from './common-schemas.js';

export const triggerSchema = z
  .object({
    trigger_id: z.string(),
    name: z.string(),
    task: z.record(z.string(), z.unknown()).describe('The task template, as given: prompt, workspace, session_id, reuse_existing, options, webhook.'),
    created_at: timestamp,
    token_issued_at: timestamp.describe('When the current token was issued (a rotation issues a new one).'),
    last_fired_at: nullableTimestamp.describe('When a fire last started a task; null before the first.'),
    fire_count: z.number().int().describe('Tasks started by fires (idempotent replays not counted).'),
    fire_url: z.string().describe('Where to POST a fire, with `Authorization: Bearer <token>`.'),
  })
  .meta({ id: 'Trigger', description: 'A named task template started by POST /api/v1/triggers/{trigger_id}/fire. Its token is never shown here.' });

export const issuedTriggerSchema = triggerSchema
  .extend({ token: z.string().describe('The bearer token for fires. Shown only in this answer: store it now.') })
  .meta({ id: 'IssuedTrigger', description: 'A trigger with its token: the answer of a create or a rotate, and nowhere else.' });

export const triggerListSchema = z.object({ triggers: z.array(triggerSchema) }).meta({ id: 'TriggerList' });

export const deletedTriggerSchema = z.object({ trigger_id: z.string(), deleted: z.literal(true) }).meta({ id: 'DeletedTrigger' });
