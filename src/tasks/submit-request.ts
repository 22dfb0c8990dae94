import type { SessionRequest } from '../sessions/session-service.js';
import type { WebhookRequest } from '../webhooks/webhook-request.js';
import type { PermissionMode } from './task-types.js';

/** A task's options as submitted (already validated); absent means the server's default. */
export interface TaskOptionsRequest {
  allowed_tools?: string[] | undefined;
  permission_mode?: PermissionMode | undefined;
  max_turns?: number | undefined;
  /** Seconds. */
  timeout?: number | undefined;
  model?: string | undefined;
  require_approval?: string[] | undefined;
  /** Seconds. */
  approval_timeout?: number | undefined;
  max_budget_usd?: number | undefined;
  output_schema?: Record<string, unknown> | undefined;
  network?: { allow: string[] } | undefined;
}

/**
 * A task submission as the task service takes it: plain data, validated by whoever received it
 * (the HTTP route checks it against its schema first).
 */
export interface SubmitTaskRequest {
  task_id?: string | undefined;
  prompt: string;
  workspace?: string | undefined;
  options?: TaskOptionsRequest | undefined;
  session?: SessionRequest | undefined;
  webhook?: WebhookRequest | undefined;
}
