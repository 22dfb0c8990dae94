import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The CLI binary of any platform package the SDK ships (linux-x64, linux-arm64-musl, darwin-arm64, win32-x64, ...). */
const CLI_PATH = /[\\/]claude-agent-sdk-[a-z0-9]+-[a-z0-9]+(?:-musl)?[\\/]claude(?:\.exe)?$/;

/** Whether a command-line argument is the path of the SDK's Claude Code CLI binary. */
export function isClaudeCliPath(arg: string): boolean {
  return CLI_PATH.test(arg);
}

/**
 * Runs ps. Selecting by --ppid or -p exits 1 with no output when nothing matches, which means
 * "none"; any other failure (ps missing, an option it does not know) throws, so that a check
 * for leftover processes can never pass because ps could not look.
 */
function ps(args: string[]): string {
  try {
    return execFileSync('ps', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { status?: number | null; stdout?: string; stderr?: string };
    if (failed.status === 1 && !failed.stdout && !failed.stderr) return '';
    throw new Error(`ps ${args.join(' ')} failed: ${failed.stderr?.trim() || String(error)}`, { cause: error });
  }
}

/**
 * Pids of live Claude Code CLI processes descending from `ancestorPid` (any when omitted). In a
 * sandbox the CLI is a grandchild (under bwrap), not a child, of the server.
 */
export function claudeProcesses(ancestorPid?: number): number[] {
  return claudeProcessesIn(processTable(), ancestorPid);
}

interface ProcessTable {
  rows: string[][];
  parentOf: Map<number, number>;
}

/** One listing of every process: pid, parent, state and arguments. */
function processTable(): ProcessTable {
  const rows = ps(['-eo', 'pid=,ppid=,stat=,args='])
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
  return { rows, parentOf: new Map(rows.map(([pid, ppid]) => [Number(pid), Number(ppid)])) };
}

function descendsFrom({ parentOf }: ProcessTable, pid: number, ancestorPid: number): boolean {
  for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === ancestorPid) return true;
  return false;
}

function claudeProcessesIn(table: ProcessTable, ancestorPid?: number): number[] {
  return table.rows
    .filter(([pid, , stat, ...args]) => {
      if (!stat || stat.startsWith('Z')) return false;
      if (ancestorPid !== undefined && !descendsFrom(table, Number(pid), ancestorPid)) return false;
      return args.some(isClaudeCliPath);
    })
    .map(([pid]) => Number(pid));
}

/** Pids of the live direct children of a process. */
export function childPids(parentPid: number): number[] {
  return ps(['-o', 'pid=', '--ppid', String(parentPid)])
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
}

/** Whether a process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  const stat = ps(['-o', 'stat=', '-p', String(pid)]).trim();
  return stat !== '' && !stat.startsWith('Z');
}

/**
 * One pid per agent process, whether it runs bare or in a sandbox: a CLI started through bwrap
 * shows up as bwrap, its namespace init and the CLI itself, all with the CLI's path in their
 * arguments; only the outermost counts.
 */
export function agentProcessRoots(ancestorPid?: number): number[] {
  // One listing for all of them (not one more per CLI process found): the same answer, one ps.
  const table = processTable();
  const all = claudeProcessesIn(table, ancestorPid);
  return all.filter((pid) => !all.some((other) => other !== pid && descendsFrom(table, pid, other)));
}

/** Pids of live processes running as `uid` (real uid) whose command name and line `matches` accepts. */
export function processesRunningAs(uid: number, matches: (proc: { comm: string; cmdline: string }) => boolean): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const realUid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
        if (Number(realUid) !== uid) return false;
        return matches({ comm: readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8') });
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}
