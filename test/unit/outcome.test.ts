import { describe, expect, it } from 'vitest';
import { decideOutcome } from '../../src/tasks/outcome.js';

const base = { result: null, stderrTail: '', durationMs: 5, timeoutSeconds: null };

describe('decideOutcome for failures found underneath', () => {
  it('replaces the SDK guess about libc, when a spawn fails, with what is really wrong', () => {
    const sdkMessage =
      "Claude Code native binary at /x/claude exists but failed to launch. This usually means the binary does not match this system's libc — e.g. spawning a musl-linked binary on a glibc Linux host fails because the musl dynamic loader (/lib/ld-musl-*) is missing. Specify a matching binary with options.pathToClaudeCodeExecutable.";
    const outcome = decideOutcome({ ...base, failure: new Error(sdkMessage), stopReason: null, cwd: '/ws/a' });
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.code).toBe('AGENT_PROCESS_FAILED');
    expect(outcome.error?.message).not.toMatch(/libc/);
    expect(outcome.error?.message).toContain('could not be started in /ws/a');
  });

  it('reports a storage stop as failed STORAGE_UNAVAILABLE, and a preflight problem with its own code', () => {
    expect(decideOutcome({ ...base, failure: null, stopReason: 'storage_unavailable' })).toMatchObject({
      status: 'failed',
      error: { code: 'STORAGE_UNAVAILABLE' },
    });
    const preflightError = { code: 'WORKSPACE_NOT_A_DIRECTORY' as const, message: 'workspace /ws/a exists but is not a directory' };
    expect(decideOutcome({ ...base, failure: null, stopReason: null, preflightError })).toMatchObject({ status: 'failed', error: preflightError });
  });

  it('names the timeout that applied, the default one included', () => {
    expect(decideOutcome({ ...base, failure: null, stopReason: 'timed_out', timeoutSeconds: 3600 }).error?.message).toContain('3600 s');
  });
});
