import { readdirSync, readFileSync } from 'node:fs';

/** Pids of this process's live (non-zombie) Claude Code CLI children, read from /proc. */
export function liveClaudeChildren(parentPid = process.pid): number[] {
  const pids: number[] = [];
  for (const pid of childrenOf(parentPid)) {
    try {
      // /proc/PID/stat: "pid (comm) state ..."; a zombie is gone but for its exit status.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('claude')) pids.push(pid);
    } catch {
      // exited between the listing and the read
    }
  }
  return pids;
}

function childrenOf(parentPid: number): number[] {
  const pids = new Set<number>();
  try {
    for (const thread of readdirSync(`/proc/${parentPid}/task`)) {
      const children = readFileSync(`/proc/${parentPid}/task/${thread}/children`, 'utf8').trim();
      for (const pid of children.split(/\s+/)) if (pid) pids.add(Number(pid));
    }
    return [...pids];
  } catch {
    // Kernels without /proc/PID/task/*/children: scan every process for its parent.
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === parentPid) pids.add(Number(entry));
      } catch {
        // gone
      }
    }
    return [...pids];
  }
}

/** Samples the number of live CLI children every `intervalMs` until stopped; returns the peak and the sample count. */
export function sampleClaudeChildren(intervalMs = 15): { stop(): { peak: number; samples: number } } {
  let peak = 0;
  let samples = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, liveClaudeChildren().length);
    samples++;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { peak, samples };
    },
  };
}
