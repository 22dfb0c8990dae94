import type { Readable } from 'node:stream';
import type { AgentSandbox, SandboxIdentity } from '../agent/isolation/agent-sandbox.js';
import { fileError } from './file-errors.js';
import { displayPath } from './file-paths.js';
import { READ_SCRIPT } from './file-scripts.js';
import { firstLine, readAll } from './stream-lines.js';

/** A download may last as long as a slow client takes; the sandbox dies with the connection. */
const READ_TIMEOUT_MS = 60 * 60 * 1000;
/** Entries listed per directory; a listing past it says `truncated`. */
export const LIST_LIMIT = 10_000;
const LISTING_MAX_BYTES = 16 * 1024 * 1024;

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface DirectoryEntry {
  name: string;
  type: EntryType;
  /** Bytes (a symlink: the length of its target's name, which is never followed). */
  size: number;
  /** Files only. */
  sha256?: string;
}

export type FileRead =
  | { kind: 'file'; path: string; size: number; sha256: string; body: Readable; cancel: () => void }
  | { kind: 'dir'; path: string; entries: DirectoryEntry[]; truncated: boolean };

/** One file's bytes (streamed) or a directory's listing, read as the tenant in its sandbox. */
export async function readPath(sandbox: AgentSandbox, identity: SandboxIdentity, workspace: string, names: readonly string[]): Promise<FileRead> {
  const path = displayPath(names);
  const reader = sandbox.stream(identity, {
    command: 'bash',
    args: ['-c', READ_SCRIPT, 'read-file', workspace, ...names],
    cwd: '/',
    env: { LIST_LIMIT: String(LIST_LIMIT) },
    timeoutMs: READ_TIMEOUT_MS,
  });
  reader.stdin.end();
  const answer = await firstLine(reader.stdout);
  const file = /^FILE (\d+) ([0-9a-f]{64})$/.exec(answer ?? '');
  if (file) return { kind: 'file', path, size: Number(file[1]), sha256: file[2]!, body: reader.stdout, cancel: reader.kill };
  if (answer === 'DIR') {
    const listing = await readAll(reader.stdout, LISTING_MAX_BYTES);
    reader.kill();
    const exit = await reader.exited;
    if (listing === null) throw new Error(`The listing of "${path}" is larger than ${LISTING_MAX_BYTES} bytes`);
    if (exit.code !== 0) throw fileError(null, path, exit.stderr);
    return { kind: 'dir', path, ...parseListing(listing) };
  }
  reader.kill();
  throw fileError(answer, path, (await reader.exited).stderr);
}

const ENTRY_TYPES: ReadonlySet<string> = new Set(['file', 'dir', 'symlink', 'other']);

function parseListing(listing: Buffer): { entries: DirectoryEntry[]; truncated: boolean } {
  const fields = listing.toString('utf8').split('\0');
  const entries: DirectoryEntry[] = [];
  let truncated = false;
  for (let i = 0; i + 3 < fields.length; i += 4) {
    const [type, size, sum, name] = [fields[i]!, fields[i + 1]!, fields[i + 2]!, fields[i + 3]!];
    if (type === 'more') {
      truncated = true;
      break;
    }
    if (!ENTRY_TYPES.has(type)) continue;
    const entry: DirectoryEntry = { name, type: type as EntryType, size: Number(size) || 0 };
    if (type === 'file' && /^[0-9a-f]{64}$/.test(sum)) entry.sha256 = sum;
    entries.push(entry);
  }
  if (fields.includes('more')) truncated = true;
  return { entries, truncated };
}
