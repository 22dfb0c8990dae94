import { Counter, Histogram, type Registry } from 'prom-client';
import { SKIP_REASONS } from './schedule-types.js';

export interface ScheduleMetrics {
  fires: Counter;
  skips: Counter<'reason'>;
  lag: Histogram;
}

/** Lag runs from well under a second (on time) to the misfire grace and beyond (a late catch-up). */
const LAG_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** schedule_fires_total, schedule_skips_total{reason}, schedule_fire_lag_seconds. */
export function registerScheduleMetrics(registry: Registry): ScheduleMetrics {
  const skips = new Counter({
    name: 'schedule_skips_total',
    help: 'Schedule ticks that started no task, by reason (overlap, missed, refused, error).',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of SKIP_REASONS) skips.inc({ reason }, 0);
  return {
    fires: new Counter({
      name: 'schedule_fires_total',
      help: 'Tasks started by schedules (each tick once, whichever instance fired it).',
      registers: [registry],
    }),
    skips,
    lag: new Histogram({
      name: 'schedule_fire_lag_seconds',
      help: "Seconds from a tick's time to its task's submission.",
      buckets: LAG_BUCKETS,
      registers: [registry],
    }),
  };
}
