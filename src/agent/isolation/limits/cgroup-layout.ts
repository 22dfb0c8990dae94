import path from 'node:path';
import { isInside } from '../../../lib/paths.js';

/**
 * Where this server's own cgroup is, per hierarchy: the directory its sandboxes' groups are made
 * under. Unified (v2) when a cgroup2 mount offers the memory and pids controllers; else v1 when
 * memory and pids hierarchies are mounted (hybrid hosts: a controller-less cgroup2 beside them).
 */
export type CgroupLayout =
  | { version: 2; dir: string }
  /** cpuacct is often mounted with cpu (the same directory), sometimes on its own; cpuset is always apart. */
  | { version: 1; memory: string; pids: string; cpu: string | null; cpuacct?: string | null; cpuset?: string | null };

interface CgroupMount {
  root: string;
  mountPoint: string;
  type: 'cgroup' | 'cgroup2';
  controllers: string[];
}

/** cgroup mounts from /proc/self/mountinfo ("id parent dev root mountpoint opts … - type source superopts"). */
export function cgroupMounts(mountinfo: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (left === undefined || right === undefined) continue;
    const fields = left.split(' ');
    const [type, , superOptions = ''] = right.split(' ');
    if (type !== 'cgroup' && type !== 'cgroup2') continue;
    mounts.push({ root: unescape(fields[3] ?? '/'), mountPoint: unescape(fields[4] ?? ''), type, controllers: superOptions.split(',') });
  }
  return mounts;
}

/** The octal escapes mountinfo uses for spaces and the like. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, code: string) => String.fromCharCode(parseInt(code, 8)));
}

/** The process's cgroup path per hierarchy, from /proc/self/cgroup ("0::/path" for v2, "4:memory:/path" for v1). */
export function ownCgroups(procSelfCgroup: string): { unified: string | null; byController: Map<string, string> } {
  let unified: string | null = null;
  const byController = new Map<string, string>();
  for (const line of procSelfCgroup.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    if (match[1] === '0' && match[2] === '') unified = match[3]!;
    else for (const controller of match[2]!.split(',')) byController.set(controller, match[3]!);
  }
  return { unified, byController };
}

/** The directory of cgroup `own` in a mount (whose root may be a subtree, as in containers); null if outside it. */
function dirIn(mount: CgroupMount, own: string): string | null {
  if (!isInside(own, mount.root)) return null;
  return path.posix.join(mount.mountPoint, path.posix.relative(mount.root, own));
}

/**
 * Finds the layout; `controllersOf` reads a v2 directory's cgroup.controllers (injected for
 * tests). Null when neither version offers memory and pids.
 */
export function findCgroupLayout(procSelfCgroup: string, mountinfo: string, controllersOf: (dir: string) => string[]): CgroupLayout | null {
  const mounts = cgroupMounts(mountinfo);
  const own = ownCgroups(procSelfCgroup);
  const unified = mounts.find((m) => m.type === 'cgroup2');
  if (unified && own.unified !== null) {
    const dir = dirIn(unified, own.unified);
    if (dir !== null) {
      const available = controllersOf(dir);
      if (available.includes('memory') && available.includes('pids')) return { version: 2, dir };
    }
  }
  const v1Dir = (controller: string): string | null => {
    const mount = mounts.find((m) => m.type === 'cgroup' && m.controllers.includes(controller));
    const ownPath = own.byController.get(controller);
    return mount && ownPath !== undefined ? dirIn(mount, ownPath) : null;
  };
  const memory = v1Dir('memory');
  const pids = v1Dir('pids');
  if (memory === null || pids === null) return null;
  return { version: 1, memory, pids, cpu: v1Dir('cpu'), cpuacct: v1Dir('cpuacct'), cpuset: v1Dir('cpuset') };
}
