import { z } from 'zod';
import { A2aError } from './a2a-errors.js';

const partSchema = z.looseObject({
  text: z.string().optional(),
  data: z.unknown().optional(),
  raw: z.string().optional(),
  url: z.string().optional(),
  mediaType: z.string().optional(),
});

export const pushConfigSchema = z.looseObject({
  id: z.string().max(128).optional(),
  taskId: z.string().optional(),
  url: z.string().min(1).max(2048),
  token: z.string().max(4096).optional(),
  authentication: z.looseObject({ scheme: z.string().min(1).max(64), credentials: z.string().max(4096) }).optional(),
});

export const sendParamsSchema = z.looseObject({
  message: z.looseObject({
    messageId: z.string().max(256).optional(),
    contextId: z.string().max(256).optional(),
    taskId: z.string().max(256).optional(),
    role: z.union([z.string(), z.number()]).optional(),
    parts: z.array(partSchema).min(1, 'message.parts must not be empty'),
    metadata: z.record(z.string(), z.unknown()).optional(),
  }),
  configuration: z
    .looseObject({
      returnImmediately: z.boolean().optional(),
      // The name A2A 0.3 gave the same switch (inverted).
      blocking: z.boolean().optional(),
      historyLength: z.number().int().min(0).optional(),
      taskPushNotificationConfig: pushConfigSchema.optional(),
      pushNotificationConfig: pushConfigSchema.optional(),
    })
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type SendParams = z.infer<typeof sendParamsSchema>;
export type IncomingPart = z.infer<typeof partSchema>;
export type PushConfigParams = z.infer<typeof pushConfigSchema>;

export const taskIdParamsSchema = z.looseObject({ id: z.string().min(1).max(256), historyLength: z.coerce.number().int().min(0).optional() });

export const listParamsSchema = z.looseObject({
  contextId: z.string().max(256).optional(),
  status: z.union([z.string(), z.number()]).optional(),
  pageSize: z.coerce.number().int().min(1).max(100).optional(),
  pageToken: z.string().max(1024).optional(),
  historyLength: z.coerce.number().int().min(0).optional(),
  includeArtifacts: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
});

export const configRefSchema = z.looseObject({ taskId: z.string().min(1).max(256), id: z.string().max(256).optional() });

/** Params checked against an A2A request's schema; a mismatch is InvalidParams (-32602 / 400). */
export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.infer<S> {
  const parsed = schema.safeParse(params ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new A2aError('InvalidParams', `Invalid params: ${issue ? `${issue.path.join('.') || 'params'}: ${issue.message}` : 'malformed'}`);
}
