import type { ResidentProgramSource } from '../agent/isolation/resident-program.js';

/**
 * The workspace inspector: a small Node program that stays running inside a tenant's sandbox, as
 * the tenant, and answers the server's questions about that tenant's tree (see
 * workspace-preparation.ts). The sandbox shows nothing but the tenant's tree and the read-only
 * system directories, so whatever a symlink points at, and however it is swapped while this runs,
 * every step lands in the tenant's own tree: no race here can reach anyone else. A symlink out of
 * the tree does not resolve inside; it is refused whether or not its target exists on the host,
 * so the answer tells the tenant nothing about the host.
 *
 * It stays running because a process start costs milliseconds, and a check sits on every task's
 * path twice (submit and start): one request line in, one answer line out, no process started.
 *
 * `check` takes the tenant's root, the workspace (absolute, normalised, inside the root) and the
 * tenant's uid when ownership is to be checked (null otherwise): then the whole tree is looked
 * through for entries that are not the tenant's too. It answers with a status and the path it
 * concerns:
 * - `ok` and the workspace's real path (created when it was missing);
 * - `foreign-parent` and the deepest existing directory, when the workspace is to be created and
 *   a directory between the root and it is not the tenant's (made by root: it cannot be yet);
 * - `foreign-tree` and the workspace's real path, when something in it is not the tenant's;
 * - `error` with a WORKSPACE_* code and why.
 *
 * Plain JavaScript, run with `node -e`: nothing of the server's tree is bound into the sandbox.
 */
const SOURCE = String.raw`
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const exists = (p) => { try { fs.statSync(p); return true; } catch { return false; } };
const isLink = (p) => { try { return fs.lstatSync(p).isSymbolicLink(); } catch { return false; } };
const isDir = (p) => { try { return fs.statSync(p).isDirectory(); } catch { return false; } };
const can = (p, mode) => { try { fs.accessSync(p, mode); return true; } catch { return false; } };
const realOf = (p) => { try { return fs.realpathSync.native(p); } catch { return null; } };
const statOf = (p) => { try { return fs.lstatSync(p); } catch { return null; } };
const isTenants = (stat, uid) => stat.uid === uid && stat.gid === uid;

// Where a path leads with what exists of it resolved and the rest taken as written (realpath -m);
// null for a symlink loop.
function leadsTo(p) {
  let rest = p.split('/').filter(Boolean);
  let at = '/';
  for (let hops = 0; rest.length > 0; ) {
    const part = rest.shift();
    if (part === '.') continue;
    if (part === '..') { at = path.dirname(at); continue; }
    const next = path.join(at, part);
    let link = null;
    try { if (fs.lstatSync(next).isSymbolicLink()) link = fs.readlinkSync(next); } catch {}
    if (link === null) { at = next; continue; }
    if (++hops > 40) return null;
    rest = link.split('/').filter(Boolean).concat(rest);
    if (link.startsWith('/')) at = '/';
  }
  return at;
}

// Whether anything in the tree, the top included, is not the tenant's: a physical walk that
// follows no symlink and passes over what it cannot read, as find does. Only directories wait
// to be read, so a directory of a million files costs one entry at a time, not a million paths.
function holdsForeign(top, uid) {
  const first = statOf(top);
  if (first === null) return false;
  if (!isTenants(first, uid)) return true;
  const dirs = first.isDirectory() ? [top] : [];
  while (dirs.length > 0) {
    const dir = dirs.pop();
    let handle;
    try { handle = fs.opendirSync(dir, { bufferSize: 256 }); } catch { continue; }
    try {
      for (let entry = handle.readSync(); entry !== null; entry = handle.readSync()) {
        const p = dir === '/' ? '/' + entry.name : dir + '/' + entry.name;
        const stat = statOf(p);
        if (stat === null) continue;
        if (!isTenants(stat, uid)) return true;
        if (stat.isDirectory()) dirs.push(p);
      }
    } catch {
      // A directory that cannot be read to its end: what was read is what find would have seen.
    } finally {
      handle.closeSync();
    }
  }
  return false;
}

function check({ root, target, uid }) {
  const inside = (p) => p !== null && (p === root || p.startsWith(root === '/' ? '/' : root + '/'));
  const said = (status, at) => ({ status, path: at });
  const refused = (code, why) => ({ status: 'error', code, why });
  const outside = () => refused('WORKSPACE_OUTSIDE_ROOT', "a symlink points out of the tenant's tree");

  // The deepest part of the path that exists (a dangling symlink counts: it is refused below).
  let existing = target;
  while (!exists(existing) && !isLink(existing)) {
    if (existing === '/') return refused('WORKSPACE_INVALID', 'the workspace root is missing');
    existing = path.dirname(existing);
  }
  let real = realOf(existing);
  if (real === null) {
    if (!isLink(existing)) return refused('WORKSPACE_NOT_READABLE', 'cannot be examined');
    return inside(leadsTo(existing)) ? refused('WORKSPACE_INVALID', 'goes through a broken symlink') : outside();
  }
  if (!inside(real)) return outside();

  // A workspace to create below directories root made (an operator, say): those are handed over first.
  if (uid !== null && existing !== target && isDir(real)) {
    for (let dir = real; dir !== root && dir !== '/'; dir = path.dirname(dir)) {
      const stat = statOf(dir);
      if (stat === null || !isTenants(stat, uid)) return said('foreign-parent', real);
    }
  }

  const workspace = real + target.slice(existing.length);
  const created = workspace !== real;
  if (created) {
    try {
      fs.mkdirSync(workspace, { recursive: true });
    } catch {
      let at = workspace;
      while (!exists(at) && !isLink(at)) at = path.dirname(at);
      if (isLink(at)) return refused('WORKSPACE_INVALID', 'goes through a broken symlink');
      if (!isDir(at)) return refused('WORKSPACE_NOT_A_DIRECTORY', 'goes through a file');
      if (!can(at, fs.constants.W_OK)) return refused('WORKSPACE_NOT_WRITABLE', 'does not exist and cannot be created');
      return refused('WORKSPACE_INVALID', 'cannot be created');
    }
  }
  real = realOf(workspace);
  if (real === null) return refused('WORKSPACE_INVALID', 'changed while it was being created');
  if (!inside(real)) return outside();
  if (!isDir(real)) return refused('WORKSPACE_NOT_A_DIRECTORY', 'exists but is not a directory');
  // A workspace made just now, as the tenant, holds nothing of anyone else's: no walk.
  if (uid !== null && !created && holdsForeign(real, uid)) return said('foreign-tree', real);
  if (!can(real, fs.constants.R_OK | fs.constants.X_OK)) return refused('WORKSPACE_NOT_READABLE', "is not readable by the agent's user");
  if (!can(real, fs.constants.W_OK)) return refused('WORKSPACE_NOT_WRITABLE', "is not writable by the agent's user");
  return said('ok', real);
}

const operations = { check };
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
    const line = buffered.slice(0, end);
    buffered = buffered.slice(end + 1);
    let answer;
    try {
      const request = JSON.parse(line);
      const operation = Object.hasOwn(operations, request.op) ? operations[request.op] : null;
      answer = operation === null ? { error: 'unknown operation' } : { answer: operation(request) };
    } catch (error) {
      answer = { error: String((error && error.message) || error) };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
});
process.stdin.on('end', () => process.exit(0));
`;

export const WORKSPACE_INSPECTOR: ResidentProgramSource = { name: 'workspace-inspector', source: SOURCE };

const REPORTED_CODES = ['WORKSPACE_INVALID', 'WORKSPACE_OUTSIDE_ROOT', 'WORKSPACE_NOT_A_DIRECTORY', 'WORKSPACE_NOT_READABLE', 'WORKSPACE_NOT_WRITABLE'] as const;
type ReportedCode = (typeof REPORTED_CODES)[number];

export type WorkspaceReport = { status: 'ok' | 'foreign-parent' | 'foreign-tree'; path: string } | { status: 'error'; code: ReportedCode; why: string };

/** The inspector's answer to `check`, taken only in its expected shape; anything else is null. */
export function parseWorkspaceReport(answer: unknown): WorkspaceReport | null {
  if (typeof answer !== 'object' || answer === null) return null;
  const { status, path, code, why } = answer as Record<string, unknown>;
  if (status === 'error' && REPORTED_CODES.includes(code as ReportedCode) && typeof why === 'string') return { status, code: code as ReportedCode, why };
  if ((status === 'ok' || status === 'foreign-parent' || status === 'foreign-tree') && typeof path === 'string' && path.startsWith('/')) return { status, path };
  return null;
}
