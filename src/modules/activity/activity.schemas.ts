import { z } from 'zod';
import { isoDate, text } from '../../platform/zod-fastify.js';

export const ACTIVITY_SOURCES = ['dashboard', 'api', 'chat', 'system'] as const;

const filters = {
  actor: text(255).optional(),
  /** A full action (`api_key.revoke`) or a family (`api_key`). */
  action: z
    .string()
    .regex(/^[a-z_]{1,32}(\.[a-z_]{1,32})?$/, 'must be an action like "api_key.revoke" or a family like "api_key"')
    .optional(),
  source: z.enum(ACTIVITY_SOURCES).optional(),
  target: text(512).optional(),
  since: isoDate.optional(),
  until: isoDate.optional(),
};

export const ActivityQuery = z.strictObject({
  ...filters,
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Opaque, from `next_cursor` of the previous page. */
  cursor: z.string().max(200).optional(),
});

export const ExportQuery = z.strictObject({ ...filters, format: z.enum(['csv', 'json']).default('csv') });

export const ActivityItem = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  actor_type: z.string(),
  actor_id: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  source: z.string(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
});

export const ActivityPage = z.object({ items: z.array(ActivityItem), next_cursor: z.string().nullable() });

export type ActivityQueryT = z.output<typeof ActivityQuery>;
export type ExportQueryT = z.output<typeof ExportQuery>;
export type ActivityItemT = z.infer<typeof ActivityItem>;
