import { execFileSync } from 'node:child_process';

/** Pids of live Claude Code CLI processes whose parent is `parentPid` (any parent when omitted). */
export function claudeProcesses(parentPid?: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, ppid, stat, ...args]) => {
      if (!stat || stat.startsWith('Z')) return false;
      if (parentPid !== undefined && Number(ppid) !== parentPid) return false;
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
