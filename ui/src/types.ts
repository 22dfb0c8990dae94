// What the dashboard reads from the API: the wire format of docs/api.md, as the browser sees it.

export const TASK_STATUSES = ['queued', 'running', 'completed', 'failed', 'interrupted', 'timed_out'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const TERMINAL: ReadonlySet<string> = new Set(['completed', 'failed', 'interrupted', 'timed_out']);

export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'dontAsk', 'bypassPermissions'] as const;

export interface TaskError {
  code: string;
  message: string;
}

export interface Task {
  task_id: string;
  session_id: string;
  status: TaskStatus;
  prompt: string;
  workspace: string;
  options: { allowed_tools: string[] | null; permission_mode: string | null; max_turns: number | null; timeout: number | null; model: string | null };
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  result: string | null;
  usage: { input_tokens: number; output_tokens: number };
  num_turns: number;
  cost_usd: number;
  duration_ms: number | null;
  error: TaskError | null;
  websocket_url: string;
}

export interface TaskPage {
  tasks: Task[];
  next_cursor: string | null;
}

export interface Session {
  session_id: string;
  workspace: string;
  status: 'idle' | 'busy' | 'expired';
  created_at: string;
  last_activity_at: string;
  task_count: number;
  current_task_id: string | null;
  cost_usd: number;
  claude_session_id: string | null;
}

export interface SubmitBody {
  task_id?: string;
  prompt: string;
  workspace?: string;
  options?: { allowed_tools?: string[]; permission_mode?: string; max_turns?: number; timeout?: number; model?: string };
  session?: { reuse_existing?: boolean; session_id?: string };
}

export interface SubmitResponse {
  task_id: string;
  session_id: string;
  status: TaskStatus;
  websocket_url: string;
  created_at: string;
}

interface Envelope<T extends string, D> {
  seq: number;
  task_id: string;
  type: T;
  timestamp: string;
  data: D;
}

export type TaskEvent =
  | Envelope<'message', { role: string; text: string }>
  | Envelope<'tool_use', { tool_use_id: string; name: string; input: unknown }>
  | Envelope<'tool_result', { tool_use_id: string; content: string; is_error: boolean }>
  | Envelope<'progress', { turns: number; input_tokens: number; output_tokens: number; cost_usd: number; files_changed: string[] }>
  | Envelope<'error', TaskError>
  | Envelope<
      'complete',
      {
        status: TaskStatus;
        result: string | null;
        usage: Task['usage'];
        num_turns: number;
        cost_usd: number;
        duration_ms: number | null;
        error?: TaskError | null;
      }
    >
  | Envelope<
      'permission_request',
      { request_id: string; tool_name: string; tool_use_id: string | null; input: unknown; reason: string | null; expires_at: string }
    >
  | Envelope<'permission_decision', { request_id: string; decision: 'allow' | 'deny'; decided_by: 'client' | 'timeout' | 'task_ended'; message: string | null }>
  | Envelope<'network_blocked', { host: string; port: number; reason: 'not_allowed' | 'private_address' | 'no_task' }>;

export interface Me {
  tenant: string;
  auth_enabled: boolean;
}
