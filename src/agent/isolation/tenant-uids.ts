import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * One host uid per tenant, kept in DATA_DIR so a tenant keeps its uid (and so its files) across
 * restarts and changes of API_KEYS_FILE: a uid is never handed to another tenant, or that tenant
 * would inherit the files of the first.
 */
export class TenantUids {
  private readonly uids: Record<string, number>;

  constructor(
    private readonly file: string,
    private readonly base: number,
  ) {
    this.uids = TenantUids.read(file);
  }

  uidOf(tenantId: string): number {
    const known = this.uids[tenantId];
    if (known !== undefined) return known;
    const used = Object.values(this.uids);
    const uid = used.length === 0 ? this.base : Math.max(this.base - 1, ...used) + 1;
    this.uids[tenantId] = uid;
    this.save();
    return uid;
  }

  private save(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, `${JSON.stringify(this.uids, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, this.file);
  }

  private static read(file: string): Record<string, number> {
    try {
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      if (parsed === null || typeof parsed !== 'object') return {};
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => Number.isInteger(e[1])));
    } catch {
      return {};
    }
  }
}
