import { describe, expect, it } from 'vitest';
import { TranscriptGuard } from '../../src/sessions/transcript-guard.js';

describe('TranscriptGuard', () => {
  it('keeps a live process that ran the turn just before, and closes one that missed a turn run elsewhere', () => {
    const closed: string[] = [];
    const guard = new TranscriptGuard((sessionId) => closed.push(sessionId));
    guard.beforeRun('S', 1); // first task of the session, here
    guard.beforeRun('S', 2); // next task, here again: the process is current
    expect(closed).toEqual([]);
    expect(guard.isStale('S', 2)).toBe(false);
    // Task 3 ran on another instance; task 4 comes back here.
    expect(guard.isStale('S', 3)).toBe(true);
    guard.beforeRun('S', 4);
    expect(closed).toEqual(['S']);
    guard.beforeRun('S', 5);
    expect(closed).toEqual(['S']);
  });

  it('never closes anything for a session it has not run, and forgets deleted sessions', () => {
    const closed: string[] = [];
    const guard = new TranscriptGuard((sessionId) => closed.push(sessionId));
    guard.beforeRun('T', 7);
    guard.forget('T');
    guard.beforeRun('T', 9);
    expect(closed).toEqual([]);
  });
});
