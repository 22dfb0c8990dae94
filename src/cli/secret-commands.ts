import type { Command } from 'commander';
import { jsonLine, table, type CommandContext } from './commands.js';
import { EXIT } from './exit-codes.js';
import { readSecretValue } from './secret-value.js';

type Run = (action: (ctx: CommandContext) => Promise<number>) => Promise<void>;

const when = (iso: string) => iso.replace('T', ' ').slice(0, 19);

/** `ccs secrets set|list|delete`: write-only values that a task's MCP server headers name. */
export function registerSecretCommands(program: Command, run: Run): void {
  const secrets = program.command('secrets').description('write-only values of your tenant, named by MCP server headers (see docs/secrets.md)');

  secrets
    .command('set')
    .description('create a secret or replace its value; the value is read from stdin unless --value is given')
    .argument('<name>')
    .option('--value <value>', 'the value (it lands in your shell history: prefer stdin)')
    .action((name: string, flags: { value?: string }) =>
      run(async (ctx) => {
        const value = flags.value ?? (await readSecretValue(name));
        if (value === '') {
          process.stderr.write('error: the value is empty: pipe it in (printf %s "$VALUE" | ccs secrets set NAME) or give --value\n');
          return EXIT.USAGE;
        }
        const secret = await ctx.ccs.secrets.set(name, value);
        if (ctx.json) jsonLine(secret);
        else ctx.term.print([`${secret.name} saved`]);
        return EXIT.OK;
      }),
    );

  secrets
    .command('list')
    .description('list your secrets (names and times, never values)')
    .action(() =>
      run(async (ctx) => {
        const list = (await ctx.ccs.secrets.list()).secrets;
        if (ctx.json) {
          for (const secret of list) jsonLine(secret);
          return EXIT.OK;
        }
        table(
          ctx.term,
          ['NAME', 'UPDATED', 'CREATED'],
          list.map((s) => ({ cells: [s.name, when(s.updated_at), when(s.created_at)] })),
        );
        if (list.length === 0) ctx.term.print([ctx.term.colors.dim('(no secrets)')]);
        return EXIT.OK;
      }),
    );

  secrets
    .command('delete')
    .description('delete a secret')
    .argument('<name>')
    .action((name: string) =>
      run(async (ctx) => {
        await ctx.ccs.secrets.delete(name);
        if (ctx.json) jsonLine({ name, deleted: true });
        else ctx.term.print([`${name} deleted`]);
        return EXIT.OK;
      }),
    );
}
