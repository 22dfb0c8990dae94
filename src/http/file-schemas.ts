import { z } from 'zod';

/** Query of PUT /api/v1/sessions/{id}/files. */
export const uploadFileQuerySchema = z.strictObject({
  path: z.string().min(1),
});

/** Query of GET /api/v1/sessions/{id}/files. */
export const readFileQuerySchema = z.strictObject({
  path: z.string().optional(),
});

/** Query of GET /api/v1/tasks/{id}/archive. */
export const archiveQuerySchema = z.strictObject({
  format: z.enum(['tar.gz', 'patch']).optional(),
  exclude: z.string().max(4096).optional(),
});

export const uploadedFileSchema = z
  .object({
    path: z.string().meta({ description: 'The path written, relative to the workspace and normalised.' }),
    size: z.number().int().meta({ description: 'Bytes written.' }),
    sha256: z.string().meta({ description: "Hex SHA-256 of the file's bytes." }),
  })
  .meta({ id: 'UploadedFile' });

export const directoryListingSchema = z
  .object({
    path: z.string().meta({ description: 'The directory, relative to the workspace ("." for its root).' }),
    entries: z.array(
      z.object({
        name: z.string(),
        type: z.enum(['file', 'dir', 'symlink', 'other']),
        size: z.number().int().meta({ description: "Bytes; for a symlink the length of its target's name (links are never followed)." }),
        sha256: z.string().optional().meta({ description: 'Files only: hex SHA-256 of the contents.' }),
      }),
    ),
    truncated: z.boolean().meta({ description: 'True when the directory holds more than 10000 entries and only the first are listed.' }),
  })
  .meta({ id: 'DirectoryListing' });
