import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/** Every change-tracking shadow repository under a ChangeTracker's root: one directory per tenant, a shadow per workspace. */
export function shadowRepositories(changesDir: string): string[] {
  if (!existsSync(changesDir)) return [];
  return readdirSync(changesDir).flatMap((tenant) => readdirSync(path.join(changesDir, tenant)).map((shadow) => path.join(changesDir, tenant, shadow)));
}
