/** Files in and out of a session's workspace (docs/files.md). */

/** The answer to PUT /api/v1/sessions/{session_id}/files. */
export interface UploadedFile {
  /** Relative to the workspace, normalised. */
  path: string;
  size: number;
  /** Hex SHA-256 of the bytes written. */
  sha256: string;
}

export interface DirectoryEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Bytes; for a symlink the length of its target's name (links are never followed). */
  size: number;
  /** Files only. */
  sha256?: string;
}

/** GET /api/v1/sessions/{session_id}/files on a directory. */
export interface DirectoryListing {
  path: string;
  entries: DirectoryEntry[];
  /** More than 10000 entries: only the first are listed. */
  truncated: boolean;
}

export type ArchiveFormat = 'tar.gz' | 'patch';

export interface ArchiveQuery {
  format?: ArchiveFormat;
  /** tar.gz only: comma-separated names or globs, replacing the default `.git,node_modules`; '' leaves out nothing. */
  exclude?: string;
}
