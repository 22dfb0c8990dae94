import { readFile } from 'node:fs/promises';

async function ownResidentBytes(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function childPids(pid: number): Promise<number[]> {
  try {
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return children.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Resident memory of a process and its descendants in bytes (Linux /proc), or 0 when it cannot
 * be read. In a sandbox the pid is bwrap's, and the CLI (with its tools) runs below it.
 */
export async function residentBytes(pid: number): Promise<number> {
  const children = await childPids(pid);
  const sizes = await Promise.all([ownResidentBytes(pid), ...children.map(residentBytes)]);
  return sizes.reduce((a, b) => a + b, 0);
}
