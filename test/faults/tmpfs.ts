import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * A small tmpfs standing in for a disk that fills up. Mounting needs root (CI runs as root);
 * `null` with the reason when it is impossible here, so the suite can skip saying why.
 */
export function mountTmpfs(dir: string, sizeBytes: number): { unmount(): void } | { skipReason: string } {
  mkdirSync(dir, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { skipReason: `cannot mount a tmpfs at ${dir} (${stderr || String(error)}); run as root to test a full disk` };
  }
  return {
    unmount: () => {
      // Lazy: a file the server still holds open must not keep the mount.
      execFileSync('umount', ['-l', dir], { stdio: 'ignore' });
    },
  };
}

/** Writes a filler file until the file system is full; returns its path (delete it to free the space). */
export function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (let written = 0; written < 1 << 30; written += block.length) writeSync(fd, block);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    // Fill the last partial block too, a byte at a time.
    try {
      for (;;) writeSync(fd, block, 0, 1);
    } catch {
      // full
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

export function freeDisk(filler: string): void {
  rmSync(filler, { force: true });
}
