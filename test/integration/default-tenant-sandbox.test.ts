/**
 * The default tenant's sandbox against a real bwrap, in both ways a server runs it (as root with
 * one uid per tenant, and unprivileged in a user namespace), and prepareWorkspace for it:
 * - with tenants configured, the default tenant has a subtree of its own like any other;
 * - a tenant whose subtree is the whole WORKSPACE_ROOT (the default tenant's place without
 *   tenants, and where an identity for an unlisted tenant points) sees the other tenants'
 *   folders masked: empty and read-only.
 */
import { lstatSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSandbox, SandboxIdentity, SandboxTenant } from '../../src/agent/isolation/agent-sandbox.js';
import { scratchSandbox, type ScratchSandbox } from '../helpers/scratch-sandbox.js';
import { domainCodeOf } from '../helpers/domain-error.js';
import { prepareWorkspace } from '../../src/workspaces/workspace-preparation.js';

const isRoot = process.getuid?.() === 0;
const ALPHA_CANARY = 'alpha-secret-6d1e0f';
const MODES = [
  { name: 'root, one uid per tenant', isRoot: true },
  { name: 'user namespace', isRoot: false },
];

/** A sandbox over a fresh WORKSPACE_ROOT in which alpha keeps a secret file. */
async function sandboxWith(tenants: SandboxTenant[], asRoot: boolean): Promise<ScratchSandbox> {
  const scratch = await scratchSandbox('ccs-default-tenant-', tenants, { isRoot: asRoot, uidBase: 260_000 + Math.floor(Math.random() * 10_000) * 10 });
  const { root } = scratch;
  mkdirSync(path.join(root, 'alpha', 'repo'), { recursive: true });
  writeFileSync(path.join(root, 'alpha', 'repo', 'secret.txt'), ALPHA_CANARY);
  return scratch;
}

/** What a shell in the identity's sandbox prints (stdout and stderr together). */
async function shellIn(sandbox: AgentSandbox, identity: SandboxIdentity, script: string): Promise<string> {
  const result = await sandbox.run(identity, {
    command: 'sh',
    args: ['-c', `{ ${script}; } 2>&1; echo SHELL-END`],
    cwd: identity.workspaceRoot,
    timeoutMs: 30_000,
  });
  return result.stdout.toString('utf8');
}

const ownerOf = (identity: SandboxIdentity): number => (identity.user?.kind === 'uid' ? identity.user.uid : process.getuid!());

describe.runIf(isRoot).each(MODES)("the default tenant's sandbox hides the other tenants' folders ($name)", ({ isRoot: asRoot }) => {
  describe('with tenants: the default tenant has a subtree of its own', () => {
    let dir: string;
    let root: string;
    let sandbox: AgentSandbox;
    let own: SandboxIdentity;
    beforeAll(async () => {
      ({ dir, root, sandbox } = await sandboxWith(
        [
          { id: 'default', workspaceDir: 'default' },
          { id: 'alpha', workspaceDir: 'alpha' },
          { id: 'beta', workspaceDir: 'beta' },
        ],
        asRoot,
      ));
      own = sandbox.identityFor('default');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('sees its subtree only: the other tenants do not exist in its view', async () => {
      expect(own.workspaceRoot).toBe(path.join(root, 'default'));
      const seen = await shellIn(
        sandbox,
        own,
        `ls ${root}/alpha; cat ${root}/alpha/repo/secret.txt; ls ${root}/beta; touch ${root}/default/mine && echo WROTE-OWN`,
      );
      expect(seen).toContain('SHELL-END');
      expect(seen).not.toContain(ALPHA_CANARY);
      expect(seen).toContain(`${root}/alpha': No such file or directory`);
      expect(seen).toContain(`${root}/alpha/repo/secret.txt: No such file or directory`);
      expect(seen).toContain(`${root}/beta': No such file or directory`);
      expect(seen).toContain('WROTE-OWN');
    });

    it('prepareWorkspace creates its workspaces in its subtree, owned by it, and refuses the others', async () => {
      const created = await prepareWorkspace(sandbox, own, 'project/app');
      expect(created).toBe(path.join(root, 'default', 'project', 'app'));
      expect(statSync(created).uid).toBe(ownerOf(own));
      expect(await domainCodeOf(prepareWorkspace(sandbox, own, '../alpha/repo'))).toBe('WORKSPACE_OUTSIDE_ROOT');
      expect(await domainCodeOf(prepareWorkspace(sandbox, own, path.join(root, 'beta')))).toBe('WORKSPACE_OUTSIDE_ROOT');
      expect(lstatSync(path.join(root, 'alpha', 'repo')).uid).toBe(0);
    });
  });

  describe('owning the whole WORKSPACE_ROOT: the other tenants are masked', () => {
    let dir: string;
    let root: string;
    let sandbox: AgentSandbox;
    let own: SandboxIdentity;
    beforeAll(async () => {
      ({ dir, root, sandbox } = await sandboxWith(
        [
          { id: 'default', workspaceDir: '' },
          { id: 'alpha', workspaceDir: 'alpha' },
        ],
        asRoot,
      ));
      own = sandbox.identityFor('default');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("sees alpha's folder empty and cannot write into it", async () => {
      expect(own).toMatchObject({ workspaceRoot: root, masked: [path.join(root, 'alpha')] });
      const seen = await shellIn(
        sandbox,
        own,
        `echo "LISTING:$(ls -A ${root}/alpha)"; cat ${root}/alpha/repo/secret.txt; touch ${root}/alpha/planted || echo NO-WRITE`,
      );
      expect(seen).toContain('SHELL-END');
      expect(seen).toContain('LISTING:\n');
      expect(seen).not.toContain(ALPHA_CANARY);
      expect(seen).toContain(`${root}/alpha/repo/secret.txt: No such file or directory`);
      expect(seen).toContain('NO-WRITE');
      expect(() => lstatSync(path.join(root, 'alpha', 'planted'))).toThrow();
    });

    it('prepareWorkspace creates its workspaces beside the masks, and refuses a workspace inside one', async () => {
      const created = await prepareWorkspace(sandbox, own, 'mine');
      expect(created).toBe(path.join(root, 'mine'));
      expect(statSync(created).uid).toBe(ownerOf(own));
      for (const inside of ['alpha', 'alpha/repo', 'alpha/new'])
        expect(await domainCodeOf(prepareWorkspace(sandbox, own, inside)), inside).toBe('WORKSPACE_OUTSIDE_ROOT');
      expect(() => lstatSync(path.join(root, 'alpha', 'new'))).toThrow();
      expect(lstatSync(path.join(root, 'alpha', 'repo')).uid).toBe(0);
    });
  });
});
