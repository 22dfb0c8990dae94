import { Option, type Command } from 'commander';
import { PERMISSION_MODES, type CreateTriggerRequest, type IssuedTrigger, type Trigger } from '../../packages/client/src/index.js';
import { table, type CommandContext } from './commands.js';
import { EXIT } from './exit-codes.js';
import { followTask } from './follow.js';
import { truncate } from './render.js';

type Run = (action: (ctx: CommandContext) => Promise<number>) => Promise<void>;

interface CreateFlags {
  name: string;
  prompt: string;
  workspace?: string;
  sessionId?: string;
  reuseExisting?: boolean;
  model?: string;
  maxTurns?: number;
  timeout?: number;
  tools?: string[];
  permissionMode?: (typeof PERMISSION_MODES)[number];
}

interface FireFlags {
  token?: string;
  text?: string;
  idempotencyKey?: string;
  taskId?: string;
  follow?: boolean;
}

const jsonLine = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const when = (iso: string | null) => (iso === null ? '-' : iso.replace('T', ' ').slice(0, 19));

function bodyOf(flags: CreateFlags): CreateTriggerRequest {
  const options = { model: flags.model, max_turns: flags.maxTurns, timeout: flags.timeout, allowed_tools: flags.tools, permission_mode: flags.permissionMode };
  const hasOptions = Object.values(options).some((v) => v !== undefined);
  return {
    name: flags.name,
    task: {
      prompt: flags.prompt,
      workspace: flags.workspace,
      session_id: flags.sessionId,
      reuse_existing: flags.reuseExisting,
      options: hasOptions ? options : undefined,
    },
  };
}

function printIssued(ctx: CommandContext, issued: IssuedTrigger): number {
  if (ctx.json) {
    jsonLine(issued);
    return EXIT.OK;
  }
  const c = ctx.term.colors;
  ctx.term.print([
    `${issued.trigger_id} ${issued.name}`,
    `token     ${issued.token}`,
    `fire url  ${issued.fire_url}`,
    c.dim('The token is shown only now: store it (e.g. as a CI secret).'),
  ]);
  return EXIT.OK;
}

function printTrigger(ctx: CommandContext, trigger: Trigger): void {
  const c = ctx.term.colors;
  const rows: [string, string][] = [
    ['trigger', trigger.trigger_id],
    ['name', trigger.name],
    ['created', trigger.created_at],
    ['token', `issued ${trigger.token_issued_at}`],
    ['fires', String(trigger.fire_count)],
    ['last fire', trigger.last_fired_at ?? '-'],
    ['fire url', trigger.fire_url],
    ['task', JSON.stringify(trigger.task)],
  ];
  ctx.term.print(rows.map(([k, v]) => `${c.dim(k.padEnd(10))} ${v}`));
}

const commaList = (v: string) =>
  v
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);

/** `ccs triggers create|list|show|delete|rotate|fire`. */
export function registerTriggerCommands(program: Command, run: Run, positiveInt: (v: string) => number, positiveNumber: (v: string) => number): void {
  const triggers = program.command('triggers').description('named task templates that a token of their own can start (see docs/triggers.md)');

  triggers
    .command('create')
    .description('create a trigger; prints its token, once')
    .requiredOption('--name <name>', 'a name for people')
    .requiredOption('--prompt <prompt>', "the prompt of every fire (a fire's text is appended)")
    .option('-w, --workspace <dir>', 'workspace, relative to the server’s WORKSPACE_ROOT')
    .option('--session-id <id>', 'the session every fire runs in')
    .option('--reuse-existing', 'continue that session (or the workspace’s latest idle one) instead of starting one')
    .option('--model <name>', 'model name')
    .option('--max-turns <n>', 'turn limit', positiveInt)
    .option('--timeout <seconds>', 'timeout in seconds', positiveNumber)
    .option('--tools <list>', 'allowed tools, comma-separated', commaList)
    .addOption(new Option('--permission-mode <mode>', 'permission mode').choices(PERMISSION_MODES))
    .action((flags: CreateFlags) => run(async (ctx) => printIssued(ctx, await ctx.ccs.createTrigger(bodyOf(flags)))));

  triggers
    .command('list')
    .description('list your triggers (never their tokens)')
    .action(() =>
      run(async (ctx) => {
        const list = (await ctx.ccs.listTriggers()).triggers;
        if (ctx.json) {
          for (const trigger of list) jsonLine(trigger);
          return EXIT.OK;
        }
        table(
          ctx.term,
          ['TRIGGER', 'NAME', 'FIRES', 'LAST FIRE', 'CREATED', 'PROMPT'],
          list.map((t) => ({
            cells: [t.trigger_id, t.name, String(t.fire_count), when(t.last_fired_at), when(t.created_at), truncate(String(t.task.prompt), 50)],
          })),
        );
        if (list.length === 0) ctx.term.print([ctx.term.colors.dim('(no triggers)')]);
        return EXIT.OK;
      }),
    );

  triggers
    .command('show')
    .description('show a trigger')
    .argument('<trigger-id>')
    .action((id: string) =>
      run(async (ctx) => {
        const trigger = await ctx.ccs.getTrigger(id);
        if (ctx.json) jsonLine(trigger);
        else printTrigger(ctx, trigger);
        return EXIT.OK;
      }),
    );

  triggers
    .command('delete')
    .description('delete a trigger; its token stops working')
    .argument('<trigger-id>')
    .action((id: string) =>
      run(async (ctx) => {
        const deleted = await ctx.ccs.deleteTrigger(id);
        if (ctx.json) jsonLine(deleted);
        else ctx.term.print([`${deleted.trigger_id} deleted`]);
        return EXIT.OK;
      }),
    );

  triggers
    .command('rotate')
    .description('issue a new token; the old one stops working at once')
    .argument('<trigger-id>')
    .action((id: string) => run(async (ctx) => printIssued(ctx, await ctx.ccs.rotateTrigger(id))));

  triggers
    .command('fire')
    .description("start a task from a trigger's template, with its token (no API key needed)")
    .argument('<trigger-id>')
    .option('--token <token>', 'the trigger token (env CCS_TRIGGER_TOKEN)')
    .option('--text <text>', "appended to the template's prompt after a blank line")
    .option('--idempotency-key <key>', 'a retried fire with the same key starts nothing new')
    .option('--task-id <id>', 'your own task id (a retry with the same id and text is safe)')
    .option('-f, --follow', 'follow the task until it ends (needs the API key when auth is on)')
    .action((id: string, flags: FireFlags) =>
      run(async (ctx) => {
        const token = flags.token ?? process.env.CCS_TRIGGER_TOKEN;
        if (token === undefined || token === '') {
          process.stderr.write('error: give the trigger token with --token or CCS_TRIGGER_TOKEN\n');
          return EXIT.USAGE;
        }
        const task = await ctx.ccs.fireTrigger(id, token, { text: flags.text, task_id: flags.taskId }, { idempotencyKey: flags.idempotencyKey });
        if (flags.follow) return followTask(ctx.ccs, ctx.term, task.task_id, { json: ctx.json, transport: ctx.transport });
        if (ctx.json) jsonLine(task);
        else ctx.term.print([`${task.task_id} ${task.status} (session ${task.session_id}, trigger ${id})`]);
        return EXIT.OK;
      }),
    );
}
