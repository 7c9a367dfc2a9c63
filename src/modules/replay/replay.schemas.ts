import { z } from 'zod';
import { MAX_YAML_CHARS, bundleName } from '../bundles/bundles.schemas.js';
import { envName, isoDate } from '../../platform/zod-fastify.js';
import { sdkName } from '../evaluate/evaluate.schemas.js';

export const REPLAY_BODY_LIMIT = 5 * 1024 * 1024;
const version = z.number().int('must be an integer').min(1, 'must be at least 1').max(2_147_483_647);

export const ReplayBody = z.strictObject({
  /** A stored version, or YAML not uploaded yet. */
  candidate: z.union([
    z.strictObject({ bundle_name: bundleName, version }),
    z.strictObject({
      yaml_content: z.string().min(1, 'must not be empty').max(MAX_YAML_CHARS, `must be at most ${MAX_YAML_CHARS} characters`),
    }),
  ]),
  /**
   * `deployed` (default): the version of the candidate's bundle deployed in `env` (none if nothing
   * is); `none`: no contracts at all (every call allowed); or a stored version.
   */
  baseline: z
    .union([z.literal('deployed'), z.literal('none'), z.strictObject({ bundle_name: bundleName.optional(), version })])
    .default('deployed'),
  env: envName,
  /** Default: the last 30 days up to now. */
  since: isoDate.optional(),
  until: isoDate.optional(),
  agent_id: z.string().min(1).max(255, 'must be at most 255 characters').optional(),
  tool_name: z.string().min(1).max(255, 'must be at most 255 characters').optional(),
  sdk: sdkName.default('python'),
  /** Newest examples kept per kind of change. */
  examples: z.number().int().min(0).max(50, 'must be at most 50').default(10),
});
export type ReplayBodyT = z.output<typeof ReplayBody>;

export const JobParams = z.strictObject({ id: z.string().uuid('must be a UUID') });

export const CHANGE_KINDS = ['newly_denied', 'newly_allowed', 'newly_approval', 'newly_observed', 'unchanged'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

const Counts = z.object({
  newly_denied: z.number(),
  newly_allowed: z.number(),
  newly_approval: z.number(),
  newly_observed: z.number(),
  unchanged: z.number(),
});
export type CountsT = z.output<typeof Counts>;

const Side = z.object({ outcome: z.string(), contract: z.string().nullable(), message: z.string().nullable() });

const Example = z.object({
  event_id: z.string(),
  call_id: z.string(),
  agent_id: z.string(),
  tool_name: z.string(),
  timestamp: z.string(),
  baseline: Side,
  candidate: Side,
  /** Dashboard deep link to the event. */
  link: z.string(),
});
export type ExampleT = z.output<typeof Example>;

const Breakdown = z.array(Counts.extend({ key: z.string() }));

export const ReplaySummary = z.object({
  candidate: z.object({ bundle_name: z.string().nullable(), version: z.number().nullable() }),
  baseline: z.object({ bundle_name: z.string(), version: z.number() }).nullable(),
  env: z.string(),
  since: z.string(),
  until: z.string(),
  sdk: z.string(),
  /** Events read (every lifecycle event of a call counts) and distinct calls evaluated. */
  events_read: z.number(),
  calls: z.number(),
  counts: Counts,
  by_agent: Breakdown,
  by_tool: Breakdown,
  by_contract: Breakdown,
  examples: z.object({
    newly_denied: z.array(Example),
    newly_allowed: z.array(Example),
    newly_approval: z.array(Example),
    newly_observed: z.array(Example),
  }),
});
export type ReplaySummaryT = z.output<typeof ReplaySummary>;

export const ReplayJob = z.object({
  id: z.string(),
  status: z.enum(['running', 'done', 'failed', 'cancelled']),
  cancel_requested: z.boolean(),
  processed: z.number(),
  total: z.number(),
  error: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
  result: ReplaySummary.nullable(),
});
export type ReplayJobT = z.output<typeof ReplayJob>;
