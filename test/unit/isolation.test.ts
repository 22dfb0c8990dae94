import { describe, expect, it } from 'vitest';
import { IsolationUnavailableError, planIsolation } from '../../src/agent/isolation/isolation-mode.js';
import { bwrapArgs, type SystemLayout } from '../../src/agent/isolation/sandbox-args.js';

const SYSTEM: SystemLayout = [{ path: '/usr' }, { path: '/bin', symlinkTo: 'usr/bin' }, { path: '/etc' }];
const VIEW = { readOnly: ['/opt/app/node_modules/cli'], readWrite: ['/srv/ws/alpha', '/srv/data/agent-homes/abc'], masked: [], cwd: '/srv/ws/alpha/repo' };

/** The value following each occurrence of `flag`. */
const after = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('bwrapArgs', () => {
  it('as root: no user namespace, then setpriv drops to the tenant uid with no capabilities', () => {
    const args = bwrapArgs(SYSTEM, VIEW, { kind: 'uid', uid: 200001, gid: 200001, setpriv: '/usr/bin/setpriv' }, '/opt/app/node_modules/cli/claude', ['--x']);
    expect(args).not.toContain('--unshare-user');
    expect(args).toEqual(expect.arrayContaining(['--die-with-parent', '--unshare-pid', '--unshare-ipc']));
    const command = args.slice(args.indexOf('--') + 1);
    expect(command).toEqual([
      '/usr/bin/setpriv',
      '--reuid=200001',
      '--regid=200001',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--pdeathsig',
      'KILL',
      '--',
      '/opt/app/node_modules/cli/claude',
      '--x',
    ]);
  });

  it('not root: a user namespace that cannot nest another, and the command runs directly', () => {
    const args = bwrapArgs(SYSTEM, VIEW, { kind: 'userns' }, '/opt/claude', []);
    expect(args).toEqual(expect.arrayContaining(['--unshare-user', '--disable-userns']));
    expect(args.slice(args.indexOf('--') + 1)).toEqual(['/opt/claude']);
  });

  it('binds only the view (same paths as on the host), the system read-only, a fresh /proc and a private /tmp', () => {
    const args = bwrapArgs(SYSTEM, { ...VIEW, masked: ['/srv/ws/alpha/beta'] }, { kind: 'userns' }, '/opt/claude', []);
    expect(after(args, '--ro-bind')).toEqual(['/usr', '/etc', '/opt/app/node_modules/cli']);
    expect(after(args, '--bind')).toEqual(['/srv/ws/alpha', '/srv/data/agent-homes/abc']);
    expect(after(args, '--symlink')).toEqual(['usr/bin', '/tmp']);
    expect(after(args, '--proc')).toEqual(['/proc']);
    expect(after(args, '--tmpfs')).toEqual(['/tmp', '/srv/ws/alpha/beta']);
    // Nothing RAM-backed is writable beyond the sized /tmp: /dev and the masks are read-only.
    expect(after(args, '--remount-ro')).toEqual(['/dev', '/srv/ws/alpha/beta']);
    expect(after(args, '--chdir')).toEqual(['/srv/ws/alpha/repo']);
    // Parents bwrap creates are traverse-only (never a copy of a 0700 DATA_DIR), shallowest first.
    expect(after(args, '--dir')).toEqual([
      '/run',
      '/var',
      '/opt',
      '/srv',
      '/opt/app',
      '/srv/ws',
      '/srv/data',
      '/opt/app/node_modules',
      '/srv/data/agent-homes',
    ]);
  });

  it('gives every sandbox a network namespace of its own, even without proxy sockets (the start-up probe)', () => {
    expect(bwrapArgs(SYSTEM, VIEW, { kind: 'userns' }, '/usr/bin/socat', ['-V'])).toContain('--unshare-net');
  });

  it("binds the process's proxy sockets at /run/agent-net and starts socat (as the tenant) before the command", () => {
    const network = { socketDir: '/srv/data/instances/0/net/ab12', socat: '/usr/bin/socat', egressSocket: 'egress.sock', egressPort: 3128 };
    const args = bwrapArgs(SYSTEM, { ...VIEW, network }, { kind: 'uid', uid: 200001, gid: 200001, setpriv: '/usr/bin/setpriv' }, '/opt/claude', ['--x']);
    expect(args).toContain('--unshare-net');
    expect(args.join(' ')).toContain('--ro-bind /srv/data/instances/0/net/ab12 /run/agent-net');
    const command = args.slice(args.indexOf('--') + 1);
    const afterSetpriv = command.slice(command.indexOf('--') + 1);
    expect(afterSetpriv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(afterSetpriv[2]).toContain("'/usr/bin/socat' TCP-LISTEN:3128,bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:/run/agent-net/egress.sock");
    expect(afterSetpriv[2]).toMatch(/3<&- & exec "\$@"$/);
    expect(afterSetpriv.slice(3)).toEqual(['sh', '/opt/claude', '--x']);
  });

  it('sizes the private /tmp (AGENT_TMP_SIZE); /var/tmp is a link to it', () => {
    const args = bwrapArgs(SYSTEM, { ...VIEW, tmpSize: 32 * 1024 ** 2 }, { kind: 'userns' }, '/opt/claude', []);
    const tmp = args.indexOf('/tmp', args.indexOf('--tmpfs'));
    expect(args.slice(tmp - 5, tmp + 1)).toEqual(['--size', String(32 * 1024 ** 2), '--perms', '1777', '--tmpfs', '/tmp']);
    expect(args.slice(args.indexOf('/var/tmp') - 2, args.indexOf('/var/tmp') + 1)).toEqual(['--symlink', '/tmp', '/var/tmp']);
  });
});

describe('planIsolation', () => {
  const found = (command: string) => `/usr/bin/${command}`;
  const ok = () => ({ status: 0, stderr: '' });

  it('none is none, without probing anything', () => {
    const plan = planIsolation('none', {
      isRoot: true,
      platform: 'linux',
      which: () => {
        throw new Error('probed');
      },
    });
    expect(plan.mode).toBe('none');
  });

  it('auto as root: bwrap with one uid per tenant; as another user: bwrap in a user namespace', () => {
    expect(planIsolation('auto', { isRoot: true, platform: 'linux', which: found, run: ok })).toMatchObject({
      mode: 'bwrap',
      perTenantUid: true,
      setpriv: '/usr/bin/setpriv',
    });
    expect(planIsolation('auto', { isRoot: false, platform: 'linux', which: found, run: ok })).toMatchObject({ mode: 'bwrap', perTenantUid: false });
  });

  it('refuses, in one line that says what to install, when socat is missing', () => {
    const attempt = () => planIsolation('auto', { isRoot: false, platform: 'linux', which: (c) => (c === 'socat' ? null : found(c)), run: ok });
    expect(attempt).toThrow(IsolationUnavailableError);
    expect(attempt).toThrow(/^Agent isolation unavailable: socat not found .*install socat.*AGENT_ISOLATION=none/);
  });

  it('refuses, in one line that says what to install, when bwrap is missing', () => {
    const attempt = () => planIsolation('auto', { isRoot: true, platform: 'linux', which: (c) => (c === 'bwrap' ? null : found(c)), run: ok });
    expect(attempt).toThrow(IsolationUnavailableError);
    expect(attempt).toThrow(/apt-get install bubblewrap.*AGENT_ISOLATION=none/);
    expect(() => attempt()).not.toThrow(/\n/);
  });

  it('refuses, saying what to grant, when the kernel or container forbids the namespaces', () => {
    const denied = () => ({ status: 1, stderr: 'bwrap: setting up uid map: Permission denied\n' });
    expect(() => planIsolation('bwrap', { isRoot: false, platform: 'linux', which: found, run: denied })).toThrow(
      /user namespace.*Permission denied.*seccomp=unconfined/,
    );
    expect(() => planIsolation('auto', { isRoot: true, platform: 'linux', which: found, run: denied })).toThrow(/CAP_SYS_ADMIN/);
  });

  it('refuses off Linux', () => {
    expect(() => planIsolation('auto', { isRoot: false, platform: 'darwin', which: found, run: ok })).toThrow(/Linux namespaces/);
  });
});
