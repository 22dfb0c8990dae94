import { Counter, type Registry } from 'prom-client';

/** started: a task began; replayed: an idempotent retry; unauthorized; rate_limited; refused: the submit failed (400, 402, 409...). */
export type FireOutcome = 'started' | 'replayed' | 'unauthorized' | 'rate_limited' | 'refused';

export function triggerFireCounter(registry: Registry): (outcome: FireOutcome) => void {
  const fires = new Counter({
    name: 'trigger_fires_total',
    help: 'Trigger fires by outcome: started, replayed, unauthorized, rate_limited or refused.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return (outcome) => fires.inc({ outcome });
}
