import { z } from 'zod';
import { envName } from '../../platform/zod-fastify.js';
import { compileGlob, GlobError } from '../../platform/glob.js';

// Control characters are exactly what this rejects.
// eslint-disable-next-line no-control-regex
export const CONTROL = /[\u0000-\u001f\u007f]/;
const HTML_LIKE = /<[^>]*>|javascript:|on\w+\s*=/i;

/** SDK identifier rule (sdk-contract.md 1): what an SDK accepts as a bundle name. */
export const BUNDLE_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;
export const bundleName = z
  .string()
  .max(128, 'must be at most 128 characters')
  .regex(BUNDLE_NAME_RE, 'must be 1-128 characters: letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Agent ids come from the X-Edictum-Agent-Id header; stored up to 255 characters. */
export const agentIdSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((s) => !CONTROL.test(s), 'must not contain control characters');

const tagValue = z.union([z.string().max(256, 'must be at most 256 characters'), z.number().finite(), z.boolean(), z.null()]);
/** Tags: a flat map of scalars, bounded like the TS SDK bounds them (64 keys, 128/256 chars). */
export const tagsSchema = z
  .record(z.string().min(1).max(128, 'must be at most 128 characters'), tagValue)
  .refine((o) => Object.keys(o).length <= 64, 'must have at most 64 entries');

export const AgentIdParams = z.strictObject({ agent_id: agentIdSchema });
export const RuleIdParams = z.strictObject({ rule_id: z.string().uuid('must be a UUID') });

export const PatchRegistrationBody = z.strictObject({
  display_name: z
    .string()
    .trim()
    .max(255, 'must be at most 255 characters')
    .refine((s) => !CONTROL.test(s), 'must not contain control characters')
    .refine((s) => !HTML_LIKE.test(s), 'must not contain HTML or script')
    .nullable()
    .optional(),
  tags: tagsSchema.optional(),
  /** `""` clears the explicit assignment (console-api.md 1.13). */
  bundle_name: z.union([z.literal(''), bundleName]).optional(),
});

export const BulkAssignBody = z.strictObject({
  agent_ids: z.array(agentIdSchema).min(1, 'must list at least one agent').max(100, 'must list at most 100 agents'),
  bundle_name: z.union([z.literal(''), bundleName]),
});

const pattern = z
  .string()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .regex(/^[\x20-\x7e]+$/, 'must be printable ASCII')
  .refine((s) => !s.includes('/') && !s.includes('\\'), 'must not contain "/" or "\\"')
  .superRefine((s, ctx) => {
    try {
      compileGlob(s);
    } catch (err) {
      if (err instanceof GlobError) ctx.addIssue({ code: 'custom', message: err.message });
      else throw err;
    }
  });

const priority = z.number().int('must be an integer').min(0, 'must be at least 0').max(2_147_483_647, 'must fit in 32 bits');

export const CreateRuleBody = z.strictObject({
  priority,
  pattern,
  tag_match: tagsSchema.nullable().optional(),
  bundle_name: bundleName,
  env: envName,
});

/** Any subset; nulls are ignored (console-api.md 1.14). */
export const UpdateRuleBody = z.strictObject({
  priority: priority.nullable().optional(),
  pattern: pattern.nullable().optional(),
  tag_match: tagsSchema.nullable().optional(),
  bundle_name: bundleName.nullable().optional(),
  env: envName.nullable().optional(),
});

export const ResolveQuery = z.strictObject({
  env: envName.optional(),
  /** What the agent would supply itself (the dry run of source `agent_provided`). */
  bundle_name: bundleName.optional(),
});

export const StatusQuery = z.strictObject({ bundle_name: bundleName.optional() });

export const Registration = z.object({
  id: z.string(),
  agent_id: z.string(),
  display_name: z.string().nullable(),
  tags: z.record(z.string(), z.unknown()),
  bundle_name: z.string().nullable(),
  resolved_bundle: z.string().nullable(),
  last_seen_at: z.string().nullable(),
  created_at: z.string(),
});
export const RegistrationList = z.array(Registration);
export const BulkAssignResponse = z.object({ updated: z.number() });

export const Rule = z.object({
  id: z.string(),
  priority: z.number(),
  pattern: z.string(),
  tag_match: z.record(z.string(), z.unknown()).nullable(),
  bundle_name: z.string(),
  env: z.string(),
  created_at: z.string(),
});
export const RuleList = z.array(Rule);

export const ResolutionResponse = z.object({
  bundle_name: z.string().nullable(),
  source: z.enum(['explicit', 'rule', 'agent_provided', 'none']),
  rule_id: z.string().nullable(),
  rule_pattern: z.string().nullable(),
});

export const AgentStatus = z.object({
  agent_id: z.string(),
  env: z.string(),
  bundle_name: z.string().nullable(),
  policy_version: z.string().nullable(),
  /** `canary`: in a live canary's slice and running its version (docs/api.md "Drift"). */
  status: z.enum(['current', 'drift', 'canary', 'unknown']),
  connected_at: z.string(),
});
export const AgentStatusResponse = z.object({ agents: z.array(AgentStatus) });

export type RegistrationT = z.infer<typeof Registration>;
export type RuleT = z.infer<typeof Rule>;
export type AgentStatusT = z.infer<typeof AgentStatus>;
export type Tags = z.infer<typeof tagsSchema>;
