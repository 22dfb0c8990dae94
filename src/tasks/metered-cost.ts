import type { TaskOutcome } from './task-finisher.js';

/**
 * A task's cost is the larger of two figures: what the SDK reported (total_cost_usd of its
 * result, this task's part) and what the credential proxy metered from the model responses it
 * relayed with the task's token (model-proxy/task-meter.ts).
 *
 * Not their sum: every call the SDK counts went through the proxy too (the CLI has no other way
 * to the model), so a sum would count the CLI's own calls twice. Not the SDK's figure alone: it
 * misses calls made behind the CLI's back (the token used from the agent's shell) and calls cut
 * before the CLI saw their end. Not the meter's alone: where the SDK's price table knows a model
 * better, its figure is the truer one (the meter prices an unknown model at the dearest rate, so
 * this is rare). Where both price the same calls the same, the max is simply the meter's total.
 */
export function withMeteredCost(outcome: TaskOutcome, meteredUsd: number): TaskOutcome {
  return meteredUsd > outcome.cost_usd ? { ...outcome, cost_usd: meteredUsd } : outcome;
}
