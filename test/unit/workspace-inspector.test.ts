/**
 * The workspace inspector's own logic, run without a sandbox on a scratch tree (the sandboxed
 * path, with a per-tenant uid, is test/integration/workspace-preparation.test.ts), and the
 * server's reading of its answers.
 */
import { chownSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResidentPrograms } from '../../src/agent/isolation/resident-programs.js';
import { parseWorkspaceReport, WORKSPACE_INSPECTOR } from '../../src/workspaces/inspector-program.js';

const isRoot = process.getuid?.() === 0;
const programs = new ResidentPrograms((_place, program) => ({ command: process.execPath, args: ['-e', program.source], env: {} }));
let root: string;
const check = (target: string, uid: number | null = null) =>
  programs.ask({ workspaceRoot: root, masked: [], user: null }, WORKSPACE_INSPECTOR, { op: 'check', root, target: path.join(root, target), uid }, 5000);

beforeAll(() => {
  root = path.join(realpathSync(mkdtempSync(path.join(tmpdir(), 'ccs-inspector-'))), 'tenant');
  mkdirSync(path.join(root, 'ws', 'deep'), { recursive: true });
  writeFileSync(path.join(root, 'a-file'), 'x');
  symlinkSync('loop-b', path.join(root, 'loop-a'));
  symlinkSync('loop-a', path.join(root, 'loop-b'));
  symlinkSync('/', path.join(root, 'to-host-root'));
  symlinkSync('ws/../a-file', path.join(root, 'to-a-file'));
});
afterAll(() => {
  programs.close();
  rmSync(path.dirname(root), { recursive: true, force: true });
});

describe('workspace inspector', () => {
  it.each([
    ['ws', { status: 'ok', path: 'ws' }],
    ['ws/new/deeper', { status: 'ok', path: 'ws/new/deeper' }],
    ['a-file', { status: 'error', code: 'WORKSPACE_NOT_A_DIRECTORY' }],
    ['a-file/below', { status: 'error', code: 'WORKSPACE_NOT_A_DIRECTORY' }],
    ['to-a-file', { status: 'error', code: 'WORKSPACE_NOT_A_DIRECTORY' }],
    ['loop-a', { status: 'error', code: 'WORKSPACE_OUTSIDE_ROOT' }],
    ['loop-a/below', { status: 'error', code: 'WORKSPACE_OUTSIDE_ROOT' }],
    ['to-host-root', { status: 'error', code: 'WORKSPACE_OUTSIDE_ROOT' }],
    ['to-host-root/tmp/new', { status: 'error', code: 'WORKSPACE_OUTSIDE_ROOT' }],
  ])('%s', async (target, expected) => {
    const answer = (await check(target)) as Record<string, unknown>;
    expect(answer).toMatchObject('path' in expected ? { ...expected, path: path.join(root, expected.path) } : expected);
  });

  it.runIf(isRoot)("finds an entry that is not the tenant's, however deep, and names no parent when the workspace exists", async () => {
    const uid = 4_242_000;
    const tree = path.join(root, 'owned');
    mkdirSync(path.join(tree, 'a', 'b'), { recursive: true });
    writeFileSync(path.join(tree, 'a', 'b', 'file'), 'x');
    for (const p of ['', 'a', 'a/b', 'a/b/file']) chownSync(path.join(tree, p), uid, uid);
    expect(await check('owned', uid)).toEqual({ status: 'ok', path: tree });
    chownSync(path.join(tree, 'a', 'b', 'file'), uid, uid + 1);
    expect(await check('owned', uid)).toEqual({ status: 'foreign-tree', path: tree });
    expect(await check('owned/a/b/file/x', uid)).toMatchObject({ status: 'error', code: 'WORKSPACE_NOT_A_DIRECTORY' });
    // A workspace to create below a directory that is not the tenant's: that parent is to be handed over first.
    expect(await check('ws/to-create', uid)).toEqual({ status: 'foreign-parent', path: path.join(root, 'ws') });
  });

  it('refuses an operation it does not know', async () => {
    await expect(programs.ask({ workspaceRoot: root, masked: [], user: null }, WORKSPACE_INSPECTOR, { op: 'rm' }, 5000)).rejects.toThrow('unknown operation');
  });
});

describe('parseWorkspaceReport', () => {
  it.each([
    [null, null],
    ['ok', null],
    [{ status: 'ok', path: 'relative' }, null],
    [{ status: 'ok', path: 7 }, null],
    [{ status: 'error', code: 'SOMETHING_ELSE', why: 'x' }, null],
    [{ status: 'error', code: 'WORKSPACE_INVALID' }, null],
    [{ status: 'deleted', path: '/x' }, null],
    [
      { status: 'foreign-tree', path: '/x' },
      { status: 'foreign-tree', path: '/x' },
    ],
    [
      { status: 'error', code: 'WORKSPACE_INVALID', why: 'x', extra: 1 },
      { status: 'error', code: 'WORKSPACE_INVALID', why: 'x' },
    ],
  ])('%j', (answer, expected) => expect(parseWorkspaceReport(answer)).toEqual(expected));
});
