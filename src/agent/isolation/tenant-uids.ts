import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Allocates uids for the whole deployment (STORAGE_TYPE=redis): instances share WORKSPACE_ROOT,
 * so each must give a tenant the same uid. Returns every given tenant's uid, allocating the new.
 */
export interface SharedUidAllocator {
  allocate(tenantIds: readonly string[], base: number): Promise<Record<string, number>>;
}

/**
 * One host uid per tenant. A uid is never handed to another tenant, or that tenant would inherit
 * the files of the first. On one server the map is kept in DATA_DIR, so a tenant keeps its uid
 * across restarts and changes of API_KEYS_FILE; with a shared allocator the deployment's map is
 * authoritative and `load` takes every known tenant's uid from it before any agent starts.
 */
export class TenantUids {
  private uids: Record<string, number>;

  constructor(
    private readonly file: string,
    private readonly base: number,
    private readonly shared: SharedUidAllocator | null = null,
  ) {
    this.uids = shared ? {} : TenantUids.read(file);
  }

  async load(tenantIds: readonly string[]): Promise<void> {
    if (this.shared) this.uids = { ...this.uids, ...(await this.shared.allocate(tenantIds, this.base)) };
    else for (const id of tenantIds) this.uidOf(id);
  }

  uidOf(tenantId: string): number {
    const known = this.uids[tenantId];
    if (known !== undefined) return known;
    // Tenants come from API_KEYS_FILE, read once at start, and all of them are loaded then.
    if (this.shared) throw new Error(`no uid was allocated for tenant ${tenantId}`);
    const used = Object.values(this.uids);
    const uid = used.length === 0 ? this.base : Math.max(this.base - 1, ...used) + 1;
    this.uids[tenantId] = uid;
    this.save();
    return uid;
  }

  private save(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    // Servers sharing a DATA_DIR (one slot each, see InstanceSlot) must not write one temp file at once.
    const temp = `${this.file}.${process.pid}.tmp`;
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
