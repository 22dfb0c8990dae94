import type { z } from 'zod';
import { ApiError } from '../errors.js';
import { describeZodError } from './schemas.js';

export function validate<S extends z.ZodType>(schema: S, data: unknown, where: 'body' | 'query'): z.infer<S> {
  if (where === 'body' && (data === null || typeof data !== 'object' || Array.isArray(data))) {
    throw new ApiError('VALIDATION_ERROR', 'Request body must be a JSON object');
  }
  const parsed = schema.safeParse(data ?? {});
  if (parsed.success) return parsed.data;
  const { message, details } = describeZodError(parsed.error);
  throw new ApiError('VALIDATION_ERROR', message, details);
}
