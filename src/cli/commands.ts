import {
  CcsApiError,
  type CcsClient,
  type McpServers,
  type Session,
  type StreamTransport,
  type SubmitTaskRequest,
  type Task,
  type TaskStatus,
} from '../../packages/client/src/index.js';
import { EXIT, EXIT_UNHEALTHY, exitCodeForStatus } from './exit-codes.js';
import { followTask, print } from './follow.js';
import { formatCost, formatDuration, formatTokens, statusColour, truncate } from './render.js';
import type { Terminal } from './terminal.js';

/** What every command gets: the client, where to write, and the global flags. */
export interface CommandContext {
  ccs: CcsClient;
  term: Terminal;
  json: boolean;
  transport: StreamTransport;
}

export const jsonLine = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);

/** Columns padded to their widest cell; colours are applied after padding so they do not count. */
export function table(term: Terminal, header: string[], rows: { cells: string[]; paint?: (index: number, padded: string) => string }[]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r.cells[i]!.length)));
  const line = (cells: string[], paint?: (index: number, padded: string) => string) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .map((cell, i) => (paint ? paint(i, cell) : cell))
      .join('  ');
  term.print([term.colors.bold(line(header)), ...rows.map((r) => line(r.cells, r.paint))]);
}

function taskDuration(task: Task): string {
  if (task.duration_ms !== null) return formatDuration(task.duration_ms);
  if (task.started_at !== null) return `${formatDuration(Date.now() - Date.parse(task.started_at))}…`;
  return '-';
}

export interface SubmitFlags {
  workspace?: string;
  session?: string;
  reuse?: boolean;
  taskId?: string;
  model?: string;
  maxTurns?: number;
  timeout?: number;
  priority?: number;
  tools?: string[];
  mcp?: McpServers;
  permissionMode?: SubmitTaskRequest extends { options?: infer O } ? (O extends { permission_mode?: infer P } ? P : never) : never;
  follow?: boolean;
}

export async function submitCommand(ctx: CommandContext, prompt: string, flags: SubmitFlags): Promise<number> {
  const options: NonNullable<SubmitTaskRequest['options']> = {
    model: flags.model,
    max_turns: flags.maxTurns,
    timeout: flags.timeout,
    allowed_tools: flags.tools,
    permission_mode: flags.permissionMode,
    priority: flags.priority,
    mcp_servers: flags.mcp,
  };
  const hasOptions = Object.values(options).some((v) => v !== undefined);
  const body: SubmitTaskRequest = { task_id: flags.taskId, prompt, workspace: flags.workspace, options: hasOptions ? options : undefined };
  const reuse = flags.reuse === true || flags.session !== undefined;
  const submitted = await ctx.ccs.tasks
    .submit({ ...body, session: reuse ? { session_id: flags.session, reuse_existing: true } : undefined })
    .catch((error: unknown) => {
      // --session names a session to continue, or to start when there is none by that name yet.
      if (flags.session !== undefined && error instanceof CcsApiError && error.code === 'SESSION_NOT_FOUND') {
        return ctx.ccs.tasks.submit({ ...body, session: { session_id: flags.session } });
      }
      throw error;
    });
  if (!flags.follow) {
    if (ctx.json) jsonLine(submitted);
    else ctx.term.print([`${submitted.task_id} ${statusColour(ctx.term.colors, submitted.status)(submitted.status)} (session ${submitted.session_id})`]);
    return EXIT.OK;
  }
  if (!ctx.json) ctx.term.print([ctx.term.colors.dim(`task ${submitted.task_id} · session ${submitted.session_id}`)]);
  return followTask(ctx.ccs, ctx.term, submitted.task_id, { json: ctx.json, transport: ctx.transport });
}

export async function tasksCommand(ctx: CommandContext, flags: { status?: TaskStatus; limit: number; cursor?: string }): Promise<number> {
  const page = await ctx.ccs.tasks.list({ status: flags.status, limit: flags.limit, cursor: flags.cursor });
  if (ctx.json) {
    for (const task of page.tasks) jsonLine(task);
    return EXIT.OK;
  }
  const c = ctx.term.colors;
  table(
    ctx.term,
    ['TASK', 'STATUS', 'SESSION', 'CREATED', 'DURATION', 'TOKENS', 'COST', 'PROMPT'],
    page.tasks.map((t) => ({
      cells: [
        t.task_id,
        t.status,
        t.session_id,
        t.created_at.replace('T', ' ').slice(0, 19),
        taskDuration(t),
        (t.usage.input_tokens + t.usage.output_tokens).toLocaleString('en-US'),
        formatCost(t.cost_usd),
        truncate(t.prompt, 50),
      ],
      paint: (i, cell) => (i === 1 ? statusColour(c, t.status)(cell) : cell),
    })),
  );
  if (page.tasks.length === 0) ctx.term.print([c.dim('(no tasks)')]);
  if (page.next_cursor) ctx.term.print([c.dim(`more: ccs tasks --cursor ${page.next_cursor}`)]);
  return EXIT.OK;
}

export async function showCommand(ctx: CommandContext, taskId: string): Promise<number> {
  const task = await ctx.ccs.tasks.get(taskId);
  if (ctx.json) {
    jsonLine(task);
    return EXIT.OK;
  }
  const c = ctx.term.colors;
  const rows: [string, string][] = [
    ['task', task.task_id],
    ['status', statusColour(c, task.status)(task.status)],
    ['session', task.session_id],
    ['workspace', task.workspace],
    ['created', task.created_at],
    ['started', task.started_at ?? '-'],
    ['completed', task.completed_at ?? '-'],
    ['duration', taskDuration(task)],
    ['turns', String(task.num_turns)],
    ['usage', `${formatTokens(task.usage.input_tokens, task.usage.output_tokens)} (${task.usage.input_tokens} in, ${task.usage.output_tokens} out)`],
    ['cost', formatCost(task.cost_usd)],
    ['prompt', truncate(task.prompt, 200)],
  ];
  if (task.error) rows.push(['error', c.red(`${task.error.code}: ${task.error.message}`)]);
  ctx.term.print(rows.map(([k, v]) => `${c.dim(k.padEnd(10))} ${v}`));
  if (task.result !== null) ctx.term.print(['', task.result]);
  return EXIT.OK;
}

export async function logsCommand(ctx: CommandContext, taskId: string, flags: { follow?: boolean }): Promise<number> {
  if (flags.follow) return followTask(ctx.ccs, ctx.term, taskId, { json: ctx.json, transport: ctx.transport });
  let after = 0;
  let status: TaskStatus | undefined;
  for (;;) {
    const page = await ctx.ccs.tasks.events(taskId, { after, limit: 500 });
    for (const event of page.events) {
      if (event.type === 'complete') status = event.data.status;
      print({ ...ctx.term, live: false }, event, ctx.json);
    }
    if (!page.has_more) break;
    after = page.next_after;
  }
  return status === undefined ? EXIT.OK : exitCodeForStatus(status);
}

export async function interruptCommand(ctx: CommandContext, taskId: string): Promise<number> {
  const task = await ctx.ccs.tasks.interrupt(taskId);
  if (ctx.json) jsonLine(task);
  else ctx.term.print([`${task.task_id} ${statusColour(ctx.term.colors, task.status)(task.status)}`]);
  return EXIT.OK;
}

export async function sessionsCommand(ctx: CommandContext, flags: { status?: Session['status'] | 'all' }): Promise<number> {
  const { sessions } = await ctx.ccs.sessions.list({ status: flags.status });
  if (ctx.json) {
    for (const session of sessions) jsonLine(session);
    return EXIT.OK;
  }
  table(
    ctx.term,
    ['SESSION', 'STATUS', 'TASKS', 'CURRENT TASK', 'LAST ACTIVITY', 'COST', 'WORKSPACE'],
    sessions.map((s) => ({
      cells: [
        s.session_id,
        s.status,
        String(s.task_count),
        s.current_task_id ?? '-',
        s.last_activity_at.replace('T', ' ').slice(0, 19),
        formatCost(s.cost_usd),
        s.workspace,
      ],
    })),
  );
  if (sessions.length === 0) ctx.term.print([ctx.term.colors.dim('(no sessions)')]);
  return EXIT.OK;
}

export async function healthCommand(ctx: CommandContext): Promise<number> {
  const health = await ctx.ccs.health();
  const healthy = health.status === 'healthy';
  if (ctx.json) {
    jsonLine(health);
  } else {
    const c = ctx.term.colors;
    const agents = health.agent_processes;
    ctx.term.print([
      `${(healthy ? c.green : c.red)(health.status)} · ${ctx.ccs.baseUrl} · version ${health.version} · up ${formatDuration(health.uptime_seconds * 1000)}`,
      `tasks: ${health.active_tasks} running, ${health.queued_tasks} queued · sessions: ${health.active_sessions} open`,
      `agent processes: ${agents.busy} busy, ${agents.idle} idle, ${agents.spare} spare · ${Math.round(agents.memory_bytes / 1024 / 1024)} MiB`,
    ]);
  }
  return healthy ? EXIT.OK : EXIT_UNHEALTHY;
}
