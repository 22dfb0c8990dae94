import type { TaskTemplate } from './requests.js';

/** What a trigger's fires submit; the text of a fire is appended to `prompt` after one blank line. */
export interface TriggerTaskTemplate extends TaskTemplate {
  /** The same as `session_id` / `reuse_existing` (as in a task submit); give one form, not both. */
  session?: { reuse_existing?: boolean | undefined; session_id?: string | undefined } | undefined;
}

export interface CreateTriggerRequest {
  name: string;
  task: TriggerTaskTemplate;
}

export interface FireTriggerRequest {
  /** Appended to the template's prompt after one blank line. */
  text?: string | undefined;
  /** Your id for the task: a retried fire with the same id and text returns the same task. */
  task_id?: string | undefined;
}

export interface Trigger {
  trigger_id: string;
  name: string;
  /** The task template as stored. */
  task: Record<string, unknown>;
  created_at: string;
  token_issued_at: string;
  last_fired_at: string | null;
  fire_count: number;
  /** Where to POST a fire, with `Authorization: Bearer <token>`. */
  fire_url: string;
}

/** A trigger with its token: only a create or a rotate answers with it. */
export interface IssuedTrigger extends Trigger {
  token: string;
}

export interface TriggerList {
  triggers: Trigger[];
}

export interface DeletedTrigger {
  trigger_id: string;
  deleted: true;
}
