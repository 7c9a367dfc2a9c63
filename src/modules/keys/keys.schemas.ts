import { z } from 'zod';
import { envName } from '../../platform/zod-fastify.js';

const HTML_LIKE = /<[^>]*>|javascript:|on\w+\s*=/i;

export const CreateKeyBody = z.strictObject({
  env: envName,
  label: z
    .string()
    .trim()
    .max(255, 'must be at most 255 characters')
    .refine((s) => !HTML_LIKE.test(s), 'must not contain HTML or script')
    .refine((s) => !/\p{Cc}/u.test(s), 'must not contain control characters')
    .optional()
    .nullable(),
});

export const KeyIdParams = z.strictObject({ key_id: z.string().uuid('must be a UUID') });

export const ApiKeySummary = z.object({
  id: z.string(),
  prefix: z.string(),
  env: z.string(),
  label: z.string().nullable(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
});
export const ApiKeyList = z.array(ApiKeySummary);

export const CreatedApiKey = z.object({
  id: z.string(),
  key: z.string(),
  prefix: z.string(),
  env: z.string(),
  label: z.string().nullable(),
  created_at: z.string(),
});

export type ApiKeySummaryT = z.infer<typeof ApiKeySummary>;
export type CreatedApiKeyT = z.infer<typeof CreatedApiKey>;
