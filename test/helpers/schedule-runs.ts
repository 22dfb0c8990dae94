import { request, waitFor } from './client.js';

export interface Run {
  task_id: string;
  fired_at: string;
  status: string;
}

/** A schedule's runs, oldest first. */
export async function runsOf(baseUrl: string, scheduleId: string, headers: Record<string, string> = {}): Promise<Run[]> {
  const { body } = await request<{ runs: Run[] }>(baseUrl, 'GET', `/api/v1/schedules/${scheduleId}/runs?limit=1000`, undefined, headers);
  return [...body.runs].sort((a, b) => Date.parse(a.fired_at) - Date.parse(b.fired_at));
}

/** Waits until the schedule has at least `count` more runs than `after`, as `baseUrl` lists them. */
export function waitForMoreRuns(baseUrl: string, scheduleId: string, after: number, count: number): Promise<true> {
  return waitFor(async () => ((await runsOf(baseUrl, scheduleId)).length >= after + count ? true : undefined), 60_000, 200);
}

/** Every task whose record names the schedule (however many pages), as the tasks API lists them. */
export async function tasksOf(baseUrl: string, scheduleId: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const { body } = await request<{ tasks: { task_id: string; schedule_id: string | null }[]; next_cursor: string | null }>(
      baseUrl,
      'GET',
      `/api/v1/tasks?limit=500${query}`,
    );
    ids.push(...body.tasks.filter((t) => t.schedule_id === scheduleId).map((t) => t.task_id));
    cursor = body.next_cursor;
  } while (cursor !== null);
  return ids.sort();
}

/**
 * The ticks from the first run to the last that have no run, and those with more than one: with
 * every tick `periodMs` apart, exactly-once firing leaves both empty.
 */
export function gapsAndDoubles(runs: Run[], periodMs: number): { gaps: string[]; doubles: string[] } {
  const times = runs.map((r) => Date.parse(r.fired_at));
  const seen = new Map<number, number>();
  for (const t of times) seen.set(t, (seen.get(t) ?? 0) + 1);
  const gaps: string[] = [];
  if (times.length > 0) {
    for (let t = Math.min(...times); t <= Math.max(...times); t += periodMs) if (!seen.has(t)) gaps.push(new Date(t).toISOString());
  }
  const doubles = [...seen].filter(([, n]) => n > 1).map(([t]) => new Date(t).toISOString());
  return { gaps, doubles };
}
