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

/** The CLI's own directory is bound read-only unless the system's /usr, bound whole already, holds it. */
describe('AgentSandbox.wrap: the CLI directory', () => {
  const sandbox = new AgentSandbox(planIsolation('bwrap', { isRoot: false, platform: 'linux' }), {
    dataDir: '/srv/data',
    homesDir: '/srv/data/homes',
    workspaceRoot: '/srv/ws',
    tenants: [{ id: 'default', workspaceDir: '' }],
    uidBase: 300_000,
  });
  const home = { dir: '/srv/data/homes/h1', configDir: '/srv/data/homes/h1/.claude', limits: null, dispose: () => undefined };
  const readOnlyBinds = (command: string): string[] => {
    const { args } = sandbox.wrap({ command, args: [], cwd: '/srv/ws', env: {} }, sandbox.identityFor('default'), home);
    return args.flatMap((arg, i) => (arg === '--ro-bind' && args[i + 1] === args[i + 2] ? [args[i + 1]!] : []));
  };

  it('binds a CLI outside /usr, and adds nothing for one under /usr or for a bare command name', () => {
    expect(readOnlyBinds('/opt/sdk/vendor/claude')).toContain('/opt/sdk/vendor');
    expect(readOnlyBinds('/usr/lib/node_modules/sdk/claude')).not.toContain('/usr/lib/node_modules/sdk');
    expect(readOnlyBinds('/usrlocal/claude')).toContain('/usrlocal');
    expect(readOnlyBinds('claude').filter((bind) => bind === '.')).toEqual([]);
  });
});
