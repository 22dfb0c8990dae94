import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Option, type Command } from 'commander';
import type { CommandContext } from './commands.js';
import { jsonLine } from './commands.js';
import { EXIT } from './exit-codes.js';

type Run = (action: (ctx: CommandContext) => Promise<number>) => Promise<void>;

/** `ccs upload SESSION LOCAL [--path REL]`: the local file into the session's workspace (default: its base name at the root). */
async function uploadCommand(ctx: CommandContext, sessionId: string, local: string, flags: { path?: string }): Promise<number> {
  if (!(await stat(local)).isFile()) throw new Error(`${local} is not a file`);
  const body = Readable.toWeb(createReadStream(local)) as unknown as ReadableStream<Uint8Array>;
  const stored = await ctx.ccs.sessions.upload(sessionId, flags.path ?? path.basename(local), body);
  if (ctx.json) jsonLine(stored);
  else ctx.term.print([`${stored.path} · ${stored.size} bytes · sha256 ${stored.sha256}`]);
  return EXIT.OK;
}

/** `ccs download SESSION REL [-o FILE]`: a file of the session's workspace, to FILE or stdout. */
async function downloadCommand(ctx: CommandContext, sessionId: string, rel: string, flags: { output?: string }): Promise<number> {
  await save(await ctx.ccs.files.downloadStream(sessionId, rel), flags.output);
  return EXIT.OK;
}

/** `ccs archive TASK [--format patch] [-o FILE]`: the task's workspace (tar.gz) or its patch, to FILE or stdout. */
async function archiveCommand(ctx: CommandContext, taskId: string, flags: { format?: 'tar.gz' | 'patch'; output?: string; exclude?: string }): Promise<number> {
  const format = flags.format ?? 'tar.gz';
  if (format === 'tar.gz' && flags.output === undefined && process.stdout.isTTY) {
    throw new Error('a tar.gz is binary: give -o FILE or redirect stdout');
  }
  await save(await ctx.ccs.tasks.archive(taskId, { format, exclude: flags.exclude }), flags.output);
  return EXIT.OK;
}

async function save(body: ReadableStream<Uint8Array>, output: string | undefined): Promise<void> {
  const source = Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>);
  const target: Writable = output === undefined || output === '-' ? process.stdout : createWriteStream(output);
  await pipeline(source, target, { end: target !== process.stdout });
}

export function registerFileCommands(program: Command, run: Run): void {
  program
    .command('upload')
    .description("write a local file into a session's workspace")
    .argument('<session>')
    .argument('<local-file>')
    .option('--path <rel>', 'where in the workspace (default: the file name, at its root)')
    .action((sessionId: string, local: string, flags: { path?: string }) => run((ctx) => uploadCommand(ctx, sessionId, local, flags)));
  program
    .command('download')
    .description("a file of a session's workspace, to stdout or -o FILE")
    .argument('<session>')
    .argument('<path>', 'relative to the workspace')
    .option('-o, --output <file>', 'write here instead of stdout')
    .action((sessionId: string, rel: string, flags: { output?: string }) => run((ctx) => downloadCommand(ctx, sessionId, rel, flags)));
  program
    .command('archive')
    .description("a task's workspace as tar.gz (without .git and node_modules), or what it changed as a patch")
    .argument('<task-id>')
    .addOption(new Option('--format <format>', 'tar.gz (default) or patch').choices(['tar.gz', 'patch']))
    .option('--exclude <patterns>', 'tar.gz: comma-separated names to leave out instead of .git,node_modules ("" for none)')
    .option('-o, --output <file>', 'write here instead of stdout')
    .action((taskId: string, flags: { format?: 'tar.gz' | 'patch'; output?: string; exclude?: string }) => run((ctx) => archiveCommand(ctx, taskId, flags)));
}
