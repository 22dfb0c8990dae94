// Run inside an agent's sandbox by test/security/limits.test.ts (through the Bash tool):
//   node limits-hogs.mjs storm MS   spawns short-lived processes as fast as it can for MS ms
//   node limits-hogs.mjs hog MIB    allocates and touches MIB MiB, 64 MiB at a time
// Both print one line the test looks for, and stop by themselves.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import process from 'node:process';
import { setTimeout } from 'node:timers';

const print = (line) => process.stdout.write(`${line}\n`);

const [mode, amount] = process.argv.slice(2);

if (mode === 'storm') {
  const until = Date.now() + Number(amount ?? 10_000);
  let alive = 0;
  let peak = 0;
  let started = 0;
  let refused = 0;
  const more = () => {
    while (Date.now() < until && alive < 4000) {
      const child = spawn('sleep', ['0.5'], { stdio: 'ignore' });
      alive++;
      child.once('error', () => {
        refused++;
        alive--;
      });
      child.once('exit', () => alive--);
      if (child.pid === undefined) break;
      started++;
      peak = Math.max(peak, alive);
      if (started % 50 === 0) break;
    }
    if (Date.now() < until) setTimeout(more, 1);
    else print(`STORM started=${started} refused=${refused} peak=${peak}`);
  };
  more();
} else if (mode === 'hog') {
  const chunks = [];
  for (let mib = 64; mib <= Number(amount ?? 4096); mib += 64) {
    chunks.push(Buffer.allocUnsafe(64 << 20).fill(mib & 0xff));
    if (mib % 512 === 0) print(`HOG ${mib} MiB`);
  }
  print(`HOG-DONE ${chunks.length * 64} MiB`);
} else {
  process.stderr.write('usage: limits-hogs.mjs storm MS | hog MIB\n');
  process.exit(2);
}
