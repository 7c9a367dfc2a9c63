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

const label = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters').regex(/^[a-zA-Z0-9][a-zA-Z0-9._:-]*$/, 'must be a label (letters, digits, . _ : -)');

export const ThresholdsBody = z.strictObject({
  deny_rate_increase: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
  approval_rate_increase: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
  tool_error_rate_increase: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').optional(),
  failed_activations: z.number().int('must be an integer').min(0, 'must be at least 0').max(100_000, 'must be at most 100000').optional(),
  min_decisions: z.number().int('must be an integer').min(0, 'must be at least 0').max(1_000_000, 'must be at most 1000000').optional(),
});

export const CanaryBody = z
  .strictObject({
    bundle_name: bundleName,
    version: z.number().int('must be an integer').min(1, 'must be at least 1'),
    env: envName,
    /** The first slice: a share of the matching agents (stable by agent id), and/or agents with a label. */
    slice_percent: z.number().min(0.01, 'must be between 0.01 and 99').max(99, 'must be between 0.01 and 99').optional(),
    slice_label: label.optional(),
    /** Percentages to widen to after each bake without a breach; the last must be 100. */
    steps: z
      .array(z.number().int('must be an integer').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100'))
      .min(1, 'must name at least one step')
      .max(10, 'must have at most 10 steps')
      .refine((xs) => xs.every((x, i) => i === 0 || x > xs[i - 1]!), 'must be ascending')
      .refine((xs) => xs[xs.length - 1] === 100, 'must end at 100')
      .default([50, 100]),
    bake_seconds: z.number().int('must be an integer').min(10, 'must be at least 10').max(7 * 86_400, 'must be at most 604800').default(600),
    thresholds: ThresholdsBody.default({}),
    straggler_after_seconds: z.number().int('must be an integer').min(10, 'must be at least 10').max(86_400, 'must be at most 86400').optional(),
  })
  .refine((b) => b.slice_percent !== undefined || b.slice_label !== undefined, { message: 'name a slice_percent or a slice_label', path: ['slice_percent'] })
  .refine((b) => b.slice_percent === undefined || b.steps[0]! > b.slice_percent, { message: 'must start above slice_percent', path: ['steps'] });
export type CanaryBodyT = z.output<typeof CanaryBody>;

export const LabelsBody = z.strictObject({ labels: z.array(label).max(20, 'must have at most 20 labels') });
export const AgentParams = z.strictObject({ agent_id: z.string().min(1).max(255, 'must be at most 255 characters') });
export const RuleParams = z.strictObject({ rule_id: z.string().uuid('must be a UUID') });
export const AgentLabelsResponse = z.object({ agent_id: z.string(), labels: z.array(z.string()) });
export const RuleLabelsResponse = z.object({ rule_id: z.string(), labels: z.array(z.string()) });
/** GET /api/v1/agent-labels: labels set on agents, and those labelled rules give them per env. */
export const FleetLabels = z.object({
  agents: z.array(
    z.object({
      agent_id: z.string(),
      labels: z.array(z.string()),
      rule_labels: z.array(z.object({ label: z.string(), env: z.string(), rule_id: z.string() })),
    }),
  ),
  rules: z.array(RuleLabelsResponse),
});
export type FleetLabelsT = z.infer<typeof FleetLabels>;

export const CanaryState = z.object({
  percent: z.number(),
  step: z.number().int(),
  steps: z.array(z.number().int()),
  label: z.string().nullable(),
  bake_seconds: z.number().int(),
  step_started_at: z.string().nullable(),
  thresholds: z.object({
    deny_rate_increase: z.number(),
    approval_rate_increase: z.number(),
    tool_error_rate_increase: z.number(),
    failed_activations: z.number().int(),
    min_decisions: z.number().int(),
  }),
});

const Rates = z.object({ decisions: z.number().int(), deny_rate: z.number(), approval_rate: z.number(), tool_error_rate: z.number() });
export const Comparison = z.object({ slice: Rates, rest: Rates, failed_activations: z.number().int() });

export const RolloutStep = z.object({
  action: z.string(),
  percent: z.number().nullable(),
  actor: z.string(),
  reason: z.string().nullable(),
  created_at: z.string(),
});

export const RolloutSummary = z.object({
  id: z.string(),
  kind: z.enum(['deploy', 'canary']),
  deployment_id: z.string().nullable(),
  env: z.string(),
  bundle_name: z.string(),
  bundle_version: z.number().int(),
  previous_version: z.number().int().nullable(),
  revision_hash: z.string(),
  ruleset_revision_hash: z.string().nullable(),
  deployed_by: z.string(),
  status: z.enum(['tracking', 'complete', 'superseded', 'closed', 'canary', 'stopped', 'promoting', 'promoted', 'rolled_back']),
  outcome_reason: z.string().nullable(),
  canary: CanaryState.nullable(),
  straggler_after_seconds: z.number().int(),
  alerted_at: z.string().nullable(),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  counts: RolloutCounts,
});
export type RolloutSummaryT = z.infer<typeof RolloutSummary>;

export const RolloutAgent = z.object({
  agent_id: z.string(),
  state: z.enum(['pending', 'activated', 'straggler', 'holdback']),
  in_slice: z.boolean(),
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
  steps: z.array(RolloutStep),
  /** Canary: the slice against the rest over the current step's window (null for a deploy). */
  comparison: Comparison.nullable(),
});
export type RolloutDetailT = z.infer<typeof RolloutDetail>;
