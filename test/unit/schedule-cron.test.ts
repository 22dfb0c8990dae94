import { describe, expect, it } from 'vitest';
import { checkCron, lastFireBefore, nextFireAfter } from '../../src/schedules/cron.js';
import { DomainError } from '../../src/errors.js';

const at = (iso: string) => new Date(iso);
const next = (cron: string, tz: string, after: string) => nextFireAfter(cron, tz, at(after))?.toISOString();
function nextN(cron: string, tz: string, after: string, n: number): string[] {
  const out: string[] = [];
  let from = at(after);
  for (let i = 0; i < n; i++) {
    const tick = nextFireAfter(cron, tz, from)!;
    out.push(tick.toISOString());
    from = tick;
  }
  return out;
}

describe('next fire times (croner, time zones, DST)', () => {
  it('5 fields have minute precision; a tick is strictly after the given time', () => {
    expect(next('*/5 * * * *', 'UTC', '2026-01-01T00:00:00.000Z')).toBe('2026-01-01T00:05:00.000Z');
    expect(next('*/5 * * * *', 'UTC', '2026-01-01T00:04:59.999Z')).toBe('2026-01-01T00:05:00.000Z');
    expect(next('0 9 * * MON', 'UTC', '2026-01-01T00:00:00.000Z')).toBe('2026-01-05T09:00:00.000Z');
  });

  it('6 fields lead with seconds', () => {
    expect(nextN('*/20 * * * * *', 'UTC', '2026-01-01T00:00:00.000Z', 3)).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('reads the expression in its zone, half-hour offsets included', () => {
    expect(next('30 9 * * *', 'Asia/Kolkata', '2026-01-01T00:00:00.000Z')).toBe('2026-01-01T04:00:00.000Z');
    expect(next('0 9 * * *', 'America/New_York', '2026-01-01T00:00:00.000Z')).toBe('2026-01-01T14:00:00.000Z');
    // Summer time: 9:00 in New York is 13:00 UTC.
    expect(next('0 9 * * *', 'America/New_York', '2026-07-01T00:00:00.000Z')).toBe('2026-07-01T13:00:00.000Z');
  });

  it('spring forward: a fixed time inside the gap runs once, at the first valid time after it', () => {
    // Berlin skips 02:00-03:00 local on 2026-03-29 (01:00 UTC).
    expect(nextN('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00.000Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('spring forward: an interval job skips the times that do not exist', () => {
    const ticks = nextN('0 * * * *', 'Europe/Berlin', '2026-03-28T23:30:00.000Z', 3);
    // 01:00 CET (00:00Z), then 03:00 CEST (01:00Z): 02:00 local does not exist.
    expect(ticks).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z']);
  });

  it('fall back: a fixed time in the repeated hour runs once; an interval job runs in both', () => {
    // Berlin repeats 02:00-03:00 local on 2026-10-25 (00:00-01:00 UTC as CEST, 01:00-02:00 UTC as CET).
    expect(nextN('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00.000Z', 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(nextN('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00.000Z', 2)).not.toContain('2026-10-25T01:30:00.000Z');
    expect(nextN('*/30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00.000Z', 4)).toEqual([
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-25T01:00:00.000Z',
      '2026-10-25T01:30:00.000Z',
    ]);
  });

  it('finds the last tick before a time (the one catch_up "last" fires)', () => {
    expect(lastFireBefore('*/5 * * * *', 'UTC', at('2026-01-01T00:10:00.000Z'))?.toISOString()).toBe('2026-01-01T00:05:00.000Z');
    expect(lastFireBefore('*/5 * * * *', 'UTC', at('2026-01-01T00:10:00.001Z'))?.toISOString()).toBe('2026-01-01T00:10:00.000Z');
  });
});

describe('checkCron: INVALID_SCHEDULE naming the field', () => {
  const refusal = (cron: string, tz: string): { code: string; path: unknown } => {
    try {
      checkCron(cron, tz, at('2026-01-01T00:00:00.000Z'));
    } catch (error) {
      if (error instanceof DomainError) return { code: error.code, path: (error.details as { path: string }[])[0]?.path };
      throw error;
    }
    return { code: 'none', path: null };
  };

  it('accepts 5 and 6 fields, names and nicknames', () => {
    for (const cron of ['* * * * *', '*/10 * * * * *', '0 9 * * MON-FRI', '0 0 1 JAN *', '@hourly', '0 0 L * *']) {
      expect(refusal(cron, 'Europe/Berlin'), cron).toEqual({ code: 'none', path: null });
    }
  });

  it('refuses what cannot fire or cannot be read', () => {
    for (const cron of ['61 * * * *', '* * * *', '* * * * * * *', 'every minute', '', '0 0 30 2 *']) {
      expect(refusal(cron, 'UTC'), cron).toEqual({ code: 'INVALID_SCHEDULE', path: 'cron' });
    }
    for (const tz of ['Mars/Olympus_Mons', 'UTC+25', 'not a zone']) {
      expect(refusal('* * * * *', tz), tz).toEqual({ code: 'INVALID_SCHEDULE', path: 'timezone' });
    }
  });
});
