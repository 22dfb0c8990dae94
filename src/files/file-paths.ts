import { DomainError } from '../errors.js';

const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;

/**
 * A client's `path` as the names to walk from the workspace root, checked as text only (what is
 * on disk, symlinks included, is for the sandbox to find): relative, no `..`, no NUL byte. `.`
 * and empty segments are dropped, so "." and "" name the workspace itself ([]).
 */
export function pathComponents(raw: string): string[] {
  if (raw.includes('\0')) throw invalid(raw, 'it holds a NUL byte');
  if (Buffer.byteLength(raw) > MAX_PATH_BYTES) throw invalid(raw, `it is longer than ${MAX_PATH_BYTES} bytes`);
  if (raw.startsWith('/')) throw invalid(raw, 'it is absolute; give it relative to the workspace');
  const names = raw.split('/').filter((name) => name !== '' && name !== '.');
  if (names.includes('..')) throw invalid(raw, 'it has a ".." segment');
  const long = names.find((name) => Buffer.byteLength(name) > MAX_NAME_BYTES);
  if (long !== undefined) throw invalid(raw, `a name in it is longer than ${MAX_NAME_BYTES} bytes`);
  return names;
}

/** The path as the API reports it: relative, normalised, "." for the workspace itself. */
export const displayPath = (names: readonly string[]): string => (names.length === 0 ? '.' : names.join('/'));

function invalid(raw: string, why: string): DomainError {
  return new DomainError('FILE_PATH_INVALID', `The path "${raw.slice(0, 200)}" is refused: ${why}`);
}
