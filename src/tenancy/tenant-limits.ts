import { z } from 'zod';
import { LIMIT_SPECS, parseLimit, type LimitName, type LimitOverrides } from '../agent/isolation/limits/resource-limits.js';

const value = z.union([z.string(), z.number()]);

/** A tenant's `limits` in API_KEYS_FILE: any of the AGENT_* limits, as sizes ("4G") or numbers. */
export const limitsSchema = z.strictObject({
  memory_max: value.optional(),
  pids_max: value.optional(),
  tmp_size: value.optional(),
  cpu_weight: value.optional(),
});

/** The tenant's overrides; a bad value becomes a problem, reported with the rest of the configuration. */
export function tenantLimits(tenantId: string, raw: z.infer<typeof limitsSchema> | undefined, problems: string[]): LimitOverrides {
  const overrides: LimitOverrides = {};
  if (raw === undefined) return overrides;
  for (const name of Object.keys(LIMIT_SPECS) as LimitName[]) {
    const given = raw[LIMIT_SPECS[name].key as keyof typeof raw];
    if (given === undefined) continue;
    const parsed = parseLimit(name, given, `API_KEYS_FILE: tenant "${tenantId}" limits.${LIMIT_SPECS[name].key}`);
    if ('problem' in parsed) problems.push(parsed.problem);
    else overrides[name] = parsed.value;
  }
  return overrides;
}
