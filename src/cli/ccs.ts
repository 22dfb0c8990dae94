#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CcsApiError, CcsClient, CcsConnectionError, PERMISSION_MODES, SESSION_STATUSES, TASK_STATUSES } from '../../packages/client/src/index.js';
import { VERSION } from '../server/version.js';
import {
  healthCommand,
  interruptCommand,
  logsCommand,
  sessionsCommand,
  showCommand,
  submitCommand,
  tasksCommand,
  type CommandContext,
  type SubmitFlags,
} from './commands.js';
import { addForkCommand } from './fork-command.js';
import { registerFileCommands } from './file-commands.js';
import { ConfigError, resolveConfig } from './config.js';
import { EXIT } from './exit-codes.js';
import { registerScheduleCommands } from './schedule-commands.js';
import { createTerminal } from './terminal.js';
import { mcpServersArgument } from './mcp-option.js';
import { priorityArgument } from './priority-option.js';
import { registerTriggerCommands } from './trigger-commands.js';
import { registerSecretCommands } from './secret-commands.js';

/** `ccs`: the command line for Claude Code Server, built on the typed client. */

interface GlobalFlags {
  url?: string;
  apiKey?: string;
  config?: string;
  transport?: string;
  json?: boolean;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function buildProgram(run: (action: (ctx: CommandContext) => Promise<number>) => Promise<void>, runAcp: () => Promise<void>): Command {
  const program = new Command('ccs')
    .description('Submit, follow and stop Claude Code Server tasks.')
    .version(VERSION)
    .option('--url <url>', 'server URL (env CCS_URL; default http://127.0.0.1:8000)')
    .option('--api-key <key>', 'API key (env CCS_API_KEY)')
    .option('--config <file>', 'config file (env CCS_CONFIG; default ~/.config/ccs/config.json)')
    .addOption(new Option('--transport <transport>', 'how to follow events').choices(['websocket', 'sse']))
    .option('--json', 'one JSON object per line, for scripts')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('submit')
    .description('submit a task')
    .argument('<prompt>', 'what the agent should do')
    .option('-w, --workspace <dir>', 'workspace, relative to the server’s WORKSPACE_ROOT')
    .option('-s, --session <id>', 'continue this session, or start it under this name if it does not exist')
    .option('--reuse', 'continue the latest idle session of the workspace')
    .option('--task-id <id>', 'your own task id (resubmitting the same id and prompt is safe)')
    .option('--model <name>', 'model name')
    .option('--max-turns <n>', 'turn limit', positiveInt)
    .option('--timeout <seconds>', 'timeout in seconds', positiveNumber)
    .option('--priority <n>', 'queue priority 0..9 (default 5): higher starts first', priorityArgument)
    .option('--tools <list>', 'allowed tools, comma-separated', (v: string) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .addOption(new Option('--permission-mode <mode>', 'permission mode').choices(PERMISSION_MODES))
    .option('--mcp <json|@file>', 'MCP servers for the task, as JSON by name (see docs/mcp.md), or @file.json', mcpServersArgument)
    .option('-f, --follow', 'follow the task until it ends; the exit code follows its status')
    .action((prompt: string, flags: SubmitFlags) => run((ctx) => submitCommand(ctx, prompt, flags)));

  program
    .command('tasks')
    .description('list tasks, newest first')
    .addOption(new Option('--status <status>', 'only tasks in this status').choices(TASK_STATUSES))
    .option('-n, --limit <n>', 'page size', positiveInt, 20)
    .option('--cursor <cursor>', 'the next page (printed under a full page)')
    .action((flags: { status?: (typeof TASK_STATUSES)[number]; limit: number; cursor?: string }) => run((ctx) => tasksCommand(ctx, flags)));

  program
    .command('show')
    .description('show a task')
    .argument('<task-id>')
    .action((taskId: string) => run((ctx) => showCommand(ctx, taskId)));

  program
    .command('logs')
    .description("print a task's events")
    .argument('<task-id>')
    .option('-f, --follow', 'keep following until the task ends; the exit code follows its status')
    .action((taskId: string, flags: { follow?: boolean }) => run((ctx) => logsCommand(ctx, taskId, flags)));

  program
    .command('interrupt')
    .description('interrupt a running or queued task')
    .argument('<task-id>')
    .action((taskId: string) => run((ctx) => interruptCommand(ctx, taskId)));

  program
    .command('sessions')
    .description('list sessions')
    .addOption(new Option('--status <status>', 'default: open sessions').choices([...SESSION_STATUSES, 'all']))
    .action((flags: { status?: (typeof SESSION_STATUSES)[number] | 'all' }) => run((ctx) => sessionsCommand(ctx, flags)));

  addForkCommand(program, run);
  registerFileCommands(program, run);

  program
    .command('health')
    .description('server health; exits 1 unless healthy')
    .action(() => run((ctx) => healthCommand(ctx)));

  registerScheduleCommands(program, run);
  registerTriggerCommands(program, run, positiveInt, positiveNumber);
  registerSecretCommands(program, run);

  program
    .command('acp')
    .description('serve the Agent Client Protocol on stdin/stdout, for editors (see docs/protocols/acp.md)')
    .action(() => runAcp());

  return program;
}

function describeError(error: unknown): string {
  if (error instanceof CcsApiError) {
    return `error: ${error.code} (HTTP ${error.status}): ${error.message}${error.requestId ? ` [request ${error.requestId}]` : ''}`;
  }
  if (error instanceof CcsConnectionError || error instanceof ConfigError) return `error: ${error.message}`;
  return `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.OK;
  const program = buildProgram(
    async (action) => {
      const flags = program.opts<GlobalFlags>();
      const config = resolveConfig(flags, process.env);
      const ccs = new CcsClient({ baseUrl: config.url, apiKey: config.apiKey, transport: config.transport });
      exitCode = await action({ ccs, term: createTerminal(), json: flags.json === true, transport: config.transport });
    },
    async () => {
      // Loaded only here: the ACP SDK (and zod with it) costs every other command a third of its start-up.
      const { acpCommand } = await import('./acp/acp-command.js');
      exitCode = await acpCommand(resolveConfig(program.opts<GlobalFlags>(), process.env));
    },
  );
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully.
      return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    }
    process.stderr.write(`${describeError(error)}\n`);
    if (error instanceof ConfigError) return EXIT.USAGE;
    return EXIT.API_ERROR;
  }
}

/** Exits once stdout has taken everything (a pipe is written asynchronously), without waiting for idle keep-alive sockets. */
function exit(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv).then(exit, (error: unknown) => {
  process.stderr.write(`${describeError(error)}\n`);
  exit(EXIT.API_ERROR);
});
