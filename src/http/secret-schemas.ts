import { z } from 'zod';
import { MAX_SECRET_VALUE_BYTES, SECRET_NAME_PATTERN } from '../secrets/secret-types.js';

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Messages never quote the value: an error answer or a log line must not carry it. */
export const setSecretSchema = z.strictObject({
  name: z
    .string()
    .regex(SECRET_NAME_PATTERN, 'name must be 1-128 letters, digits, "_", "." or "-", starting with a letter or digit')
    .describe('1-128 characters `[A-Za-z0-9_.-]`, starting with a letter or digit; case-sensitive.'),
  value: z
    .string()
    .min(1, 'value must not be empty')
    // A lone surrogate cannot be stored as UTF-8: the value revealed would differ from the one sent.
    .refine((v) => !LONE_SURROGATE.test(v), 'value must be well-formed Unicode (no lone surrogates)')
    .refine((v) => Buffer.byteLength(v, 'utf8') <= MAX_SECRET_VALUE_BYTES, `value must be at most ${MAX_SECRET_VALUE_BYTES} bytes (UTF-8)`)
    .describe('The value, write-only: no answer ever shows it. At most 64 KiB of UTF-8.'),
});
