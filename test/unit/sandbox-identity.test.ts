import { describe, expect, it } from 'vitest';
import { AgentSandbox } from '../../src/agent/isolation/agent-sandbox.js';
import { planIsolation } from '../../src/agent/isolation/isolation-mode.js';

/** Which other tenants' folders a tenant's sandbox hides: those strictly inside its own root, never its root itself. */
describe('AgentSandbox.identityFor: masked folders', () => {
  const sandbox = new AgentSandbox(planIsolation('bwrap', { isRoot: false, platform: 'linux' }), {
    dataDir: '/srv/data',
    homesDir: '/srv/data/homes',
    workspaceRoot: '/srv/ws',
    tenants: [
      { id: 'default', workspaceDir: '' },
      { id: 'alpha', workspaceDir: 'alpha' },
      // The same folder as alpha's, spelt with a trailing slash: alpha's own root, not a folder inside it.
      { id: 'alpha-twin', workspaceDir: 'alpha/' },
      { id: 'alphabet', workspaceDir: 'alphabet' },
    ],
    uidBase: 300_000,
  });

  it("hides the folders below a tenant's root", () => {
    expect(sandbox.identityFor('default').masked).toEqual(['/srv/ws/alpha', '/srv/ws/alpha/', '/srv/ws/alphabet']);
  });

  it("never hides a tenant's own root, however it is spelt, nor a sibling that shares its prefix", () => {
    expect(sandbox.identityFor('alpha').masked).toEqual([]);
    expect(sandbox.identityFor('alpha-twin').masked).toEqual([]);
  });
});
