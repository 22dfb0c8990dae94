import { execFileSync } from 'node:child_process';

/**
 * Pids of live Claude Code CLI processes descending from `ancestorPid` (any when omitted). In a
 * sandbox the CLI is a grandchild (under bwrap), not a child, of the server.
 */
export function claudeProcesses(ancestorPid?: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const rows = out.split('\n').map((line) => line.trim().split(/\s+/));
  const parentOf = new Map(rows.map(([pid, ppid]) => [Number(pid), Number(ppid)]));
  const descends = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === ancestorPid) return true;
    return false;
  };
  return rows
    .filter(([pid, , stat, ...args]) => {
      if (!stat || stat.startsWith('Z')) return false;
      if (ancestorPid !== undefined && !descends(Number(pid))) return false;
      return args.some((a) => a.endsWith('claude-agent-sdk-linux-x64/claude'));
    })
    .map(([pid]) => Number(pid));
}

/** Pids of the live direct children of a process. */
export function childPids(parentPid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(parentPid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

/** Whether a process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return stat !== '' && !stat.startsWith('Z');
  } catch {
    return false;
  }
}

/**
 * One pid per agent process, whether it runs bare or in a sandbox: a CLI started through bwrap
 * shows up as bwrap, its namespace init and the CLI itself, all with the CLI's path in their
 * arguments; only the outermost counts.
 */
export function agentProcessRoots(ancestorPid?: number): number[] {
  const all = claudeProcesses(ancestorPid);
  return all.filter((pid) => !all.some((other) => other !== pid && claudeProcesses(other).includes(pid)));
}
