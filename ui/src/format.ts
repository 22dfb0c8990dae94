import type { Task } from './types.js';

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} m ${Math.floor(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} m`;
}

/** A finished task's own duration; a running one's time so far (the list ticks it every second). */
export function taskDuration(task: Task, now = Date.now()): number | null {
  if (task.duration_ms !== null) return task.duration_ms;
  if (task.started_at === null) return null;
  const end = task.completed_at === null ? now : Date.parse(task.completed_at);
  return end - Date.parse(task.started_at);
}

export function formatTokens(usage: { input_tokens: number; output_tokens: number } | null | undefined): string {
  if (!usage) return '—';
  const total = usage.input_tokens + usage.output_tokens;
  return total === 0 ? '—' : total.toLocaleString('en');
}

export function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined || cost === 0) return '—';
  return cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}

export function formatTime(iso: string | null): string {
  if (iso === null) return '—';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay ? date.toLocaleTimeString('en-GB') : date.toLocaleString('en-GB');
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One line that says what a tool call does: the command, the file or the pattern. */
export function summariseToolInput(name: string, input: unknown): string {
  if (input === null || typeof input !== 'object') return String(input ?? '');
  const fields = input as Record<string, unknown>;
  for (const key of ['command', 'file_path', 'path', 'pattern', 'url', 'query', 'description']) {
    const value = fields[key];
    if (typeof value === 'string' && value !== '') return truncate(value.replace(/\s+/g, ' '), 120);
  }
  return truncate(JSON.stringify(input), 120) || name;
}
