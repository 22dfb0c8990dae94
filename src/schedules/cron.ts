import { Cron } from 'croner';
import { DomainError } from '../errors.js';

/**
 * Cron expressions through croner: 5 fields (minute precision) or 6 (a leading seconds field),
 * in an IANA time zone. DST follows croner: a fixed-time job (`30 2 * * *`) whose time falls in
 * a spring-forward gap runs at the first valid time after it, and once when an autumn hour
 * repeats; an interval job (`*\/15 * * * *`) skips the gap and runs on both repeated hours.
 */

function invalid(field: 'cron' | 'timezone', message: string): DomainError {
  return new DomainError('INVALID_SCHEDULE', `${field}: ${message}`, [{ path: field, message }]);
}

export function checkTimezone(timezone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw invalid('timezone', `unknown time zone "${timezone}"; use an IANA name such as "UTC" or "Europe/Berlin"`);
  }
}

function compile(expression: string, timezone: string): Cron {
  checkTimezone(timezone);
  try {
    return new Cron(expression, { timezone, mode: '5-or-6-parts', paused: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    throw invalid('cron', `"${expression}" is not a valid cron expression (5 fields, or 6 with seconds first): ${reason}`);
  }
}

/** Throws INVALID_SCHEDULE (naming the field) unless the expression and zone are usable and ever fire. */
export function checkCron(expression: string, timezone: string, from: Date): void {
  if (compile(expression, timezone).nextRun(from) === null) throw invalid('cron', `"${expression}" never fires`);
}

/** The first tick strictly after `after`, or null if there is none. */
export function nextFireAfter(expression: string, timezone: string, after: Date): Date | null {
  return compile(expression, timezone).nextRun(after);
}

/** The last tick strictly before `before`, or null if there is none. */
export function lastFireBefore(expression: string, timezone: string, before: Date): Date | null {
  return compile(expression, timezone).previousRuns(1, before)[0] ?? null;
}

/**
 * The ticks in (after, until], oldest first, at most `max` of them: the last `max` when there are
 * more (the newest are the ones that matter to a catch-up), with `more` telling so.
 */
export function ticksBetween(expression: string, timezone: string, after: Date, until: Date, max: number): { ticks: Date[]; more: boolean } {
  const cron = compile(expression, timezone);
  const ticks: Date[] = [];
  let more = false;
  for (let next = cron.nextRun(after); next !== null && next.getTime() <= until.getTime(); next = cron.nextRun(next)) {
    ticks.push(next);
    if (ticks.length > max) {
      ticks.shift();
      more = true;
    }
  }
  return { ticks, more };
}
