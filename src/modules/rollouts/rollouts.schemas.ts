import { z } from 'zod';
import { envName } from '../../platform/zod-fastify.js';

const bundleName = z.string().max(128, 'must be at most 128 characters').regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'must be a bundle name');

export const RolloutParams = z.strictObject({ id: z.string().uuid('must be a UUID') });

export const RolloutsQuery = z.strictObject({
  env: envName.optional(),
  bundle_name: bundleName.optional(),
  /** The rollout of one deploy (the deploy answer's `id`). */
  deployment_id: z.string().uuid('must be a UUID').optional(),
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be an integer between 1 and 200')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 200, 'must be an integer between 1 and 200')
    .optional()
    .default(50),
});

export const RolloutCounts = z.object({
  targets: z.number().int(),
  activated: z.number().int(),
  pending: z.number().int(),
  stragglers: z.number().int(),
});

export const RolloutSummary = z.object({
  id: z.string(),
  deployment_id: z.string(),
  env: z.string(),
  bundle_name: z.string(),
  bundle_version: z.number().int(),
  previous_version: z.number().int().nullable(),
  revision_hash: z.string(),
  ruleset_revision_hash: z.string().nullable(),
  deployed_by: z.string(),
  status: z.enum(['tracking', 'complete', 'superseded', 'closed']),
  straggler_after_seconds: z.number().int(),
  alerted_at: z.string().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  counts: RolloutCounts,
});
export type RolloutSummaryT = z.infer<typeof RolloutSummary>;

export const RolloutAgent = z.object({
  agent_id: z.string(),
  state: z.enum(['pending', 'activated', 'straggler']),
  reason: z.enum(['offline', 'old_revision', 'refused']).nullable(),
  activated_via: z.enum(['connect', 'event']).nullable(),
  pushed_at: z.string().nullable(),
  activated_at: z.string().nullable(),
  latency_ms: z.number().int().nullable(),
  last_revision: z.string().nullable(),
  last_contact_at: z.string().nullable(),
});
export type RolloutAgentT = z.infer<typeof RolloutAgent>;

export const RolloutDetail = RolloutSummary.extend({
  latency: z.object({
    p50_ms: z.number().int().nullable(),
    p99_ms: z.number().int().nullable(),
    histogram: z.array(z.object({ le_ms: z.number().int().nullable(), count: z.number().int() })),
  }),
  agents: z.array(RolloutAgent),
  stragglers: z.array(RolloutAgent),
});
export type RolloutDetailT = z.infer<typeof RolloutDetail>;
