import { DomainError } from '../errors.js';

/**
 * The DomainError for a sandboxed file command's answer line (`ERR <reason>`, see
 * file-scripts.ts); any other answer, or none, is the server's own failure.
 */
export function fileError(answer: string | null, path: string, stderr: string): Error {
  switch (answer) {
    case 'ERR symlink':
      return new DomainError('FILE_PATH_SYMLINK', `"${path}" goes through a symbolic link; file access never follows one`);
    case 'ERR missing':
      return new DomainError('FILE_NOT_FOUND', `Nothing at "${path}" in the session's workspace`);
    case 'ERR notfile':
      return new DomainError('FILE_NOT_FOUND', `"${path}" is neither a regular file nor a directory`);
    case 'ERR workspace':
      return new DomainError('FILE_NOT_FOUND', "The session's workspace is gone");
    case 'ERR conflict':
      return new DomainError('FILE_PATH_CONFLICT', `"${path}" is a directory, or one of its parents is not a directory`);
    case 'ERR toolarge':
      return new DomainError('FILE_TOO_LARGE');
    case 'ERR unwritable':
      return new DomainError('WORKSPACE_NOT_WRITABLE', `"${path}" cannot be written by the agent's user`);
    default:
      return new Error(`A file command in the sandbox failed (${answer ?? 'no answer'}): ${stderr.slice(0, 500)}`);
  }
}
