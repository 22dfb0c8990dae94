import type { Command } from 'commander';
import type { ForkSessionRequest } from '../../packages/client/src/index.js';
import type { CommandContext } from './commands.js';
import { EXIT } from './exit-codes.js';

export interface ForkFlags {
  at?: string;
  share?: boolean;
  name?: string;
  workspace?: string;
}

/** `ccs fork <session>`: a new session continuing the conversation as of the end of a finished task. */
export async function forkCommand(ctx: CommandContext, sessionId: string, flags: ForkFlags): Promise<number> {
  const request: ForkSessionRequest = {
    at_task_id: flags.at,
    session_id: flags.name,
    workspace: flags.workspace,
    copy_workspace: flags.share ? false : undefined,
  };
  const session = await ctx.ccs.sessions.fork(sessionId, request);
  if (ctx.json) {
    process.stdout.write(`${JSON.stringify(session)}\n`);
    return EXIT.OK;
  }
  const from = session.forked_from;
  const origin = from ? ` · forked from ${from.session_id} at the end of task ${from.task_id}` : '';
  ctx.term.print([`${ctx.term.colors.bold(session.session_id)}${origin}`, `workspace: ${session.workspace}${flags.share ? ' (shared)' : ''}`]);
  return EXIT.OK;
}

export function addForkCommand(program: Command, run: (action: (ctx: CommandContext) => Promise<number>) => Promise<void>): void {
  program
    .command('fork')
    .description('fork a session: a new one continuing its conversation as of the end of a finished task (default: the latest)')
    .argument('<session>', 'the session to fork')
    .option('--at <task-id>', 'fork as of the end of this finished task of the session')
    .option('--share', "work in the source session's workspace instead of a copy of it")
    .option('--name <session-id>', "the new session's id (default: <session>-fork-<random>)")
    .option('-w, --workspace <dir>', "the fork's workspace (default: a new one named after it)")
    .action((sessionId: string, flags: ForkFlags) => run((ctx) => forkCommand(ctx, sessionId, flags)));
}
