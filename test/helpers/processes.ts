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
 * Whether `pid` is one of `roots` or runs under one of them. The server knows its agent
 * processes by the pid it spawned (bwrap's, in a sandbox), while the CLI runs beneath it.
 */
export function runsUnder(pid: number, roots: ReadonlySet<number | null>): boolean {
  let out = '';
  try {
    out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return false;
  }
  const parentOf = new Map(out.split('\n').map((line) => line.trim().split(/\s+/).map(Number) as [number, number]));
  for (let p: number | undefined = pid; p !== undefined && p > 1; p = parentOf.get(p)) if (roots.has(p)) return true;
  return false;
}
