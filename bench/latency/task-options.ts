/** What the latency benchmark (bench/latency.ts) sends and measures: its prompt, task options and samples. */
import { DEFAULT_ALLOWED_TOOLS } from '../../src/tasks/task-defaults.js';

export const PROMPT = '[[script:write-file]] write the hello file';

export interface Sample {
  total_ms: number;
  first_event_ms: number;
  /** Server runs only: request-to-complete time not spent inside the agent run itself. */
  server_ms?: number;
}

/** Task options as a client sends them; null means the server's defaults. */
export interface TaskOptions {
  allowed_tools: string[];
  permission_mode: 'default' | 'acceptEdits';
  max_turns: number;
}

export const PROFILES = ['default', 'seed', 'random'] as const;
export type Profile = (typeof PROFILES)[number];
export const SEED_OPTIONS: TaskOptions = { allowed_tools: ['Read', 'Write', 'Edit', 'Bash'], permission_mode: 'acceptEdits', max_turns: 50 };
export const DEFAULT_OPTIONS: TaskOptions = { allowed_tools: [...DEFAULT_ALLOWED_TOOLS], permission_mode: 'acceptEdits', max_turns: 50 };

export function randomOptions(): TaskOptions {
  const tools = ['Read', 'Write', 'Edit', 'Glob', 'Grep', 'Bash', 'WebFetch', 'TodoWrite'].filter(() => Math.random() < 0.5);
  return { allowed_tools: tools, permission_mode: Math.random() < 0.5 ? 'default' : 'acceptEdits', max_turns: 2 + Math.floor(Math.random() * 60) };
}
