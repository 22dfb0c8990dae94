/**
 * ResidentPrograms against real node processes (started without a sandbox, as AGENT_ISOLATION=none
 * does): questions are answered in order, and a program that misbehaves in any way is killed and
 * replaced instead of being believed or waited for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ResidentProgramError, type ResidentProgramSource } from '../../src/agent/isolation/resident-program.js';
import { ResidentPrograms } from '../../src/agent/isolation/resident-programs.js';
import type { SandboxPlace } from '../../src/agent/isolation/sandbox-command.js';

/** Answers `{ pid, n }` normally; each request's `act` makes it misbehave in one way. */
const PROGRAM: ResidentProgramSource = {
  name: 'test-program',
  source: String.raw`
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
    const request = JSON.parse(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
    const normal = JSON.stringify({ answer: { pid: process.pid, n: request.n } }) + '\n';
    switch (request.act) {
      case 'silent': break;
      case 'garbage': process.stdout.write('not json\n'); break;
      case 'twice': process.stdout.write(normal + normal); break;
      case 'huge': process.stdout.write(JSON.stringify({ answer: 'x'.repeat(2 * 1024 * 1024) }) + '\n'); break;
      case 'exit': process.exit(3);
      case 'error': process.stdout.write(JSON.stringify({ error: 'no such thing' }) + '\n'); break;
      case 'empty': process.stdout.write('{}\n'); break;
      case 'slow': setTimeout(() => process.stdout.write(normal), 300); break;
      default: process.stdout.write(normal);
    }
  }
});
// It lingers after its stdin ends, as a busy process would, so a question asked then must not reach it.
process.stdin.on('end', () => setTimeout(() => process.exit(0), 300));
`,
};

const place: SandboxPlace = { workspaceRoot: '/nonexistent', masked: [], user: null };
let programs: ResidentPrograms;
const start = (idleMs = 60_000) =>
  (programs = new ResidentPrograms((_place, program) => ({ command: process.execPath, args: ['-e', program.source], env: { PATH: '/usr/bin:/bin' } }), idleMs));
const ask = (request: Record<string, unknown>, timeoutMs = 5000) => programs.ask(place, PROGRAM, request, timeoutMs) as Promise<{ pid: number; n: number }>;

afterEach(() => programs?.close());

describe('ResidentPrograms', () => {
  it('answers questions asked at once in the order asked, from one process', async () => {
    start();
    const answers = await Promise.all([ask({ n: 1, act: 'slow' }), ask({ n: 2 }), ask({ n: 3, act: 'slow' }), ask({ n: 4 })]);
    expect(answers.map((a) => a.n)).toEqual([1, 2, 3, 4]);
    expect(new Set(answers.map((a) => a.pid)).size).toBe(1);
  });

  it.each([
    ['garbage', /other than JSON/],
    ['twice', /nothing was asked/],
    ['huge', /more than 1048576 bytes/],
    ['exit', /exited \(3\)/],
    ['empty', /neither an answer nor an error/],
  ])('kills a program that answers %s, and the next question gets a new process', async (act, message) => {
    start();
    const before = await ask({ n: 1 });
    const error = await ask({ n: 2, act }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResidentProgramError);
    expect((error as Error).message).toMatch(message);
    // Only a process that ended by itself counts as exited: one the server killed for its answer does not.
    expect((error as ResidentProgramError).exited).toBe(act === 'exit');
    const after = await ask({ n: 3 });
    expect(after.n).toBe(3);
    expect(after.pid).not.toBe(before.pid);
  });

  it('gives up on a program that does not answer in time, without holding the questions behind it', async () => {
    start();
    const late = ask({ n: 1, act: 'silent' }, 200);
    const next = ask({ n: 2 });
    const error = await late.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResidentProgramError);
    expect((error as ResidentProgramError).timedOut).toBe(true);
    expect((await next).n).toBe(2);
  });

  it('passes on an error the program reports, and keeps the process', async () => {
    start();
    const before = await ask({ n: 1 });
    await expect(ask({ n: 2, act: 'error' })).rejects.toThrow('test-program: no such thing');
    expect((await ask({ n: 3 })).pid).toBe(before.pid);
  });

  it('lets an idle process go, and starts another for the next question', async () => {
    start(100);
    const before = await ask({ n: 1 });
    await new Promise((r) => setTimeout(r, 700));
    expect(() => process.kill(before.pid, 0)).toThrow();
    expect((await ask({ n: 2 })).pid).not.toBe(before.pid);
  });

  it('does not ask a process told to exit for being idle, even while it is still exiting', async () => {
    start(100);
    const before = await ask({ n: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(() => process.kill(before.pid, 0)).not.toThrow();
    const after = await ask({ n: 2 });
    expect(after).toMatchObject({ n: 2 });
    expect(after.pid).not.toBe(before.pid);
  });

  it('after close, answers each question from a process of its own that then exits', async () => {
    start();
    const before = await ask({ n: 1 });
    programs.close();
    const after = await ask({ n: 2 });
    expect(after.pid).not.toBe(before.pid);
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(after.pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the process answering after close did not exit');
  });
});
