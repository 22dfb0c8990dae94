import { Option, type Command } from 'commander';
import { CATCH_UP_POLICIES, OVERLAP_POLICIES, type CreateScheduleRequest, type Schedule, type UpdateScheduleRequest } from '../../packages/client/src/index.js';
import { jsonLine, table, type CommandContext } from './commands.js';
import { ConfigError } from './config.js';
import { EXIT } from './exit-codes.js';
import { statusColour, truncate } from './render.js';

type Run = (action: (ctx: CommandContext) => Promise<number>) => Promise<void>;

interface ScheduleFlags {
  cron?: string;
  timezone?: string;
  overlap?: (typeof OVERLAP_POLICIES)[number];
  catchUp?: (typeof CATCH_UP_POLICIES)[number];
  enable?: boolean;
  disable?: boolean;
}

interface CreateFlags extends ScheduleFlags {
  id?: string;
  workspace?: string;
  session?: string;
}

const when = (iso: string | null) => (iso === null ? '-' : iso.replace('T', ' ').slice(0, 19));

function printSchedule(ctx: CommandContext, s: Schedule): void {
  if (ctx.json) {
    jsonLine(s);
    return;
  }
  const c = ctx.term.colors;
  const rows: [string, string][] = [
    ['schedule', s.schedule_id],
    ['cron', `${s.cron} (${s.timezone})`],
    ['enabled', s.enabled ? c.green('yes') : c.yellow('no')],
    ['next fire', when(s.next_fire_at)],
    ['last fired', when(s.last_fired_at)],
    ['overlap', s.overlap],
    ['catch up', s.catch_up],
    ['workspace', s.task.workspace ?? '-'],
    ['session', s.task.session_id ?? '-'],
    ['prompt', truncate(s.task.prompt, 200)],
  ];
  if (s.last_skip) rows.push(['last skip', `${when(s.last_skip.fired_at)} ${s.last_skip.reason}${s.last_skip.detail ? `: ${s.last_skip.detail}` : ''}`]);
  ctx.term.print(rows.map(([k, v]) => `${c.dim(k.padEnd(10))} ${v}`));
}

/** --enable / --disable, or nothing: the flags say whether to change `enabled`. */
function enabledFlag(flags: ScheduleFlags): boolean | undefined {
  if (flags.enable && flags.disable) throw new ConfigError('--enable and --disable contradict each other');
  return flags.enable ? true : flags.disable ? false : undefined;
}

function policyOptions(command: Command): Command {
  return command
    .option('--timezone <zone>', 'IANA time zone the cron expression is read in (default UTC)')
    .addOption(new Option('--overlap <policy>', 'when a tick comes while the previous run is still going').choices(OVERLAP_POLICIES))
    .addOption(new Option('--catch-up <policy>', 'ticks missed while the server was down').choices(CATCH_UP_POLICIES))
    .option('--enable', 'fire from now on')
    .option('--disable', 'keep the schedule but fire nothing');
}

/** `ccs schedules …`: tasks the server starts by itself on a cron schedule. */
export function registerScheduleCommands(program: Command, run: Run): void {
  const schedules = program.command('schedules').description('tasks the server starts on a cron schedule (see docs/schedules.md)');

  schedules
    .command('list', { isDefault: true })
    .description('list your schedules with their next fire time')
    .action(() =>
      run(async (ctx) => {
        const { schedules: list } = await ctx.ccs.schedules.list();
        if (ctx.json) {
          for (const s of list) jsonLine(s);
          return EXIT.OK;
        }
        table(
          ctx.term,
          ['SCHEDULE', 'CRON', 'ZONE', 'ENABLED', 'NEXT FIRE', 'LAST FIRED', 'PROMPT'],
          list.map((s) => ({
            cells: [s.schedule_id, s.cron, s.timezone, s.enabled ? 'yes' : 'no', when(s.next_fire_at), when(s.last_fired_at), truncate(s.task.prompt, 40)],
          })),
        );
        if (list.length === 0) ctx.term.print([ctx.term.colors.dim('(no schedules)')]);
        return EXIT.OK;
      }),
    );

  policyOptions(
    schedules
      .command('create')
      .description('create a schedule')
      .argument('<prompt>', 'what each run should do')
      .requiredOption('--cron <expr>', 'cron expression: 5 fields, or 6 with leading seconds')
      .option('--id <schedule-id>', 'your own schedule id (creating it again with the same body is safe)')
      .option('-w, --workspace <dir>', 'workspace, relative to the server’s WORKSPACE_ROOT')
      .option('-s, --session <id>', 'every run continues this session'),
  ).action((prompt: string, flags: CreateFlags) =>
    run(async (ctx) => {
      const body: CreateScheduleRequest = {
        schedule_id: flags.id,
        cron: flags.cron!,
        timezone: flags.timezone,
        overlap: flags.overlap,
        catch_up: flags.catchUp,
        enabled: enabledFlag(flags),
        task: { prompt, workspace: flags.workspace, session_id: flags.session },
      };
      printSchedule(ctx, await ctx.ccs.schedules.create(body));
      return EXIT.OK;
    }),
  );

  schedules
    .command('show')
    .description('show a schedule')
    .argument('<schedule-id>')
    .action((id: string) =>
      run(async (ctx) => {
        printSchedule(ctx, await ctx.ccs.schedules.get(id));
        return EXIT.OK;
      }),
    );

  policyOptions(schedules.command('update').description('change a schedule').argument('<schedule-id>').option('--cron <expr>', 'new cron expression')).action(
    (id: string, flags: ScheduleFlags) =>
      run(async (ctx) => {
        const body: UpdateScheduleRequest = {
          cron: flags.cron,
          timezone: flags.timezone,
          overlap: flags.overlap,
          catch_up: flags.catchUp,
          enabled: enabledFlag(flags),
        };
        printSchedule(ctx, await ctx.ccs.schedules.update(id, body));
        return EXIT.OK;
      }),
  );

  schedules
    .command('delete')
    .description('delete a schedule (tasks it started are left alone)')
    .argument('<schedule-id>')
    .action((id: string) =>
      run(async (ctx) => {
        const deleted = await ctx.ccs.schedules.delete(id);
        if (ctx.json) jsonLine(deleted);
        else ctx.term.print([`${deleted.schedule_id} deleted`]);
        return EXIT.OK;
      }),
    );

  schedules
    .command('runs')
    .description('the tasks a schedule started, newest first')
    .argument('<schedule-id>')
    .action((id: string) =>
      run(async (ctx) => {
        const { runs } = await ctx.ccs.schedules.runs(id);
        if (ctx.json) {
          for (const r of runs) jsonLine(r);
          return EXIT.OK;
        }
        const c = ctx.term.colors;
        table(
          ctx.term,
          ['TASK', 'FIRED AT', 'STATUS'],
          runs.map((r) => ({ cells: [r.task_id, when(r.fired_at), r.status], paint: (i, cell) => (i === 2 ? statusColour(c, r.status)(cell) : cell) })),
        );
        if (runs.length === 0) ctx.term.print([c.dim('(no runs yet)')]);
        return EXIT.OK;
      }),
    );
}
