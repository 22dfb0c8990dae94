import { describe, expect, it } from 'vitest';
import { firedTaskId, submitOfFire } from '../../src/triggers/trigger-fire-request.js';
import { hashTriggerToken, isTriggerId, newTriggerId, newTriggerToken, tokenMatches } from '../../src/triggers/trigger-tokens.js';

describe('trigger tokens', () => {
  it('are long, random and stored only as their SHA-256', () => {
    const { token, hash } = newTriggerToken();
    expect(token).toMatch(/^cctr_[A-Za-z0-9_-]{43}$/);
    expect(hash).toBe(hashTriggerToken(token));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(newTriggerToken().token).not.toBe(token);
  });

  it('match only the token they were made from', () => {
    const { token, hash } = newTriggerToken();
    expect(tokenMatches(token, hash)).toBe(true);
    expect(tokenMatches(`${token}x`, hash)).toBe(false);
    expect(tokenMatches('', hash)).toBe(false);
    expect(tokenMatches(token, 'not-hex')).toBe(false);
  });

  it('ids have one shape, which isTriggerId knows', () => {
    const id = newTriggerId();
    expect(isTriggerId(id)).toBe(true);
    expect(isTriggerId(`${id}0`)).toBe(false);
    expect(isTriggerId('trg_../../etc')).toBe(false);
  });
});

describe('a fire as a submit', () => {
  const template = { prompt: 'Fix the build', workspace: 'repo', session_id: 's', reuse_existing: true, options: { max_turns: 3 } };

  it('appends the text after one blank line; blank text adds nothing', () => {
    expect(submitOfFire(template, 'log tail', undefined).prompt).toBe('Fix the build\n\nlog tail');
    expect(submitOfFire(template, '  \n', undefined).prompt).toBe('Fix the build');
    expect(submitOfFire(template, undefined, undefined).prompt).toBe('Fix the build');
  });

  it('carries the template as a submit body, with the session in its submit form', () => {
    expect(submitOfFire(template, undefined, 'my-id')).toEqual({
      task_id: 'my-id',
      prompt: 'Fix the build',
      workspace: 'repo',
      options: { max_turns: 3 },
      session: { session_id: 's', reuse_existing: true },
    });
    expect(submitOfFire({ prompt: 'p' }, undefined, undefined)).toEqual({ prompt: 'p' });
  });

  it('refuses a prompt that the text makes too long', () => {
    expect(() => submitOfFire({ prompt: 'x'.repeat(150_000) }, 'y'.repeat(60_000), undefined)).toThrow(/longer than 200000/);
  });

  it('derives a stable task id from the Idempotency-Key, one per trigger', () => {
    const a = firedTaskId('trg_aaaaaaaaaaaaaaaaaaaaaaaa', { idempotencyKey: 'build-1' });
    expect(a).toBe(firedTaskId('trg_aaaaaaaaaaaaaaaaaaaaaaaa', { idempotencyKey: 'build-1' }));
    expect(a).not.toBe(firedTaskId('trg_bbbbbbbbbbbbbbbbbbbbbbbb', { idempotencyKey: 'build-1' }));
    expect(a).toMatch(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
    expect(firedTaskId('trg_aaaaaaaaaaaaaaaaaaaaaaaa', { taskId: 'mine', idempotencyKey: 'k' })).toBe('mine');
    expect(firedTaskId('trg_aaaaaaaaaaaaaaaaaaaaaaaa', {})).toBeUndefined();
  });
});
