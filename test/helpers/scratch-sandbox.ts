import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AgentSandbox, type SandboxTenant } from '../../src/agent/isolation/agent-sandbox.js';
import { planIsolation } from '../../src/agent/isolation/isolation-mode.js';

export interface ScratchSandbox {
  /** The temporary directory holding everything: remove it when done. */
  dir: string;
  /** WORKSPACE_ROOT (`<dir>/workspaces`); DATA_DIR is `<dir>/data`. */
  root: string;
  sandbox: AgentSandbox;
}

/** A real bwrap sandbox over a fresh temporary DATA_DIR and WORKSPACE_ROOT, initialised: as root (one uid per tenant) or in a user namespace. */
export async function scratchSandbox(prefix: string, tenants: SandboxTenant[], options: { isRoot: boolean; uidBase: number }): Promise<ScratchSandbox> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const root = path.join(dir, 'workspaces');
  const sandbox = new AgentSandbox(planIsolation('bwrap', { isRoot: options.isRoot, platform: 'linux' }), {
    dataDir: path.join(dir, 'data'),
    homesDir: path.join(dir, 'data', 'homes'),
    workspaceRoot: root,
    tenants,
    uidBase: options.uidBase,
  });
  await sandbox.init();
  return { dir, root, sandbox };
}
