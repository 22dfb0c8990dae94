import { z } from 'zod';
import { timestamp } from './common-schemas.js';

export const secretSchema = z
  .object({
    name: z.string(),
    created_at: timestamp,
    updated_at: timestamp.describe('When the value was last set.'),
  })
  .meta({ id: 'Secret', description: "A tenant secret's metadata. The value is write-only: no answer ever carries it." });

export const secretListSchema = z.object({ secrets: z.array(secretSchema).describe('Sorted by name.') }).meta({ id: 'SecretList' });
