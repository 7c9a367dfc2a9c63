import { z } from 'zod';
import { MAX_YAML_CHARS, bundleName } from '../bundles/bundles.schemas.js';

/** Reference limits (console-api.md §1.5). */
export const EVALUATE_BODY_LIMIT = 5 * 1024 * 1024;
export const MAX_YAML_DOCUMENTS = 10;
export const MAX_CONTRACTS = 100;

const short = (n: number) => z.string().max(n, `must be at most ${n} characters`);
const count = z.number().int('must be an integer').min(0, 'must be at least 0').max(1_000_000_000, 'must be at most 1000000000');

export const sdkName = z.enum(['python', 'typescript']);

/** The reference's `{user_id, role, claims}` plus the other principal fields the SDKs carry. */
export const PrincipalBody = z.strictObject({
  user_id: short(255).nullable().optional(),
  role: short(255).nullable().optional(),
  org_id: short(255).nullable().optional(),
  service_id: short(255).nullable().optional(),
  ticket_ref: short(255).nullable().optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
});

export const EvaluateBody = z
  .strictObject({
    yaml_content: z.string().min(1, 'must not be empty').max(MAX_YAML_CHARS, `must be at most ${MAX_YAML_CHARS} characters`).optional(),
    bundle_name: bundleName.optional(),
    version: z.number().int('must be an integer').min(1, 'must be at least 1').max(2_147_483_647).optional(),
    tool_name: short(255).min(1, 'must not be empty'),
    tool_args: z.record(z.string(), z.unknown()).default({}),
    environment: short(64).default('production'),
    agent_id: short(255).default('test-agent'),
    principal: PrincipalBody.nullable().optional(),
    /** Tool output: evaluates the postconditions too. */
    result: z.unknown().optional(),
    /** Counts before the call (section 9). */
    session: z
      .strictObject({
        attempts: count.optional(),
        tool_calls: count.optional(),
        per_tool: z.record(short(255), count).optional(),
      })
      .optional(),
    /** Agent-side environment variables (`env.*` selectors). */
    env: z.record(short(255), short(4096)).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    sdk: sdkName.default('python'),
  })
  .superRefine((b, ctx) => {
    const stored = b.bundle_name !== undefined || b.version !== undefined;
    if (b.yaml_content !== undefined && stored) {
      ctx.addIssue({ code: 'custom', path: ['yaml_content'], message: 'give either yaml_content or bundle_name and version, not both' });
    } else if (b.yaml_content === undefined && !stored) {
      ctx.addIssue({ code: 'custom', path: ['yaml_content'], message: 'required (or bundle_name and version of a stored bundle)' });
    } else if (stored && (b.bundle_name === undefined || b.version === undefined)) {
      ctx.addIssue({ code: 'custom', path: [b.bundle_name === undefined ? 'bundle_name' : 'version'], message: 'required with the other' });
    }
  });
export type EvaluateBodyT = z.output<typeof EvaluateBody>;

const Problem = z.object({ path: z.string(), message: z.string(), line: z.number().nullable(), rule: z.string().optional(), severity: z.string() });

const TraceEntry = z.object({
  id: z.string(),
  type: z.string(),
  matched: z.boolean(),
  passed: z.boolean(),
  message: z.string().nullable(),
  observed: z.boolean(),
  effect: z.string().nullable(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  policy_error: z.boolean(),
  reason: z.string(),
});

/** A verdict in the wire's snake_case; also the shape of `sdk_differences.<sdk>`. */
export const VerdictSummary = z.object({
  outcome: z.string(),
  phase: z.string(),
  deciding_contract: z.string().nullable(),
  message: z.string().nullable(),
  policy_error: z.boolean(),
  dry_run_verdict: z.string(),
  load_errors: z.array(Problem).optional(),
});

export const EvaluateResponse = z.object({
  // The reference's fields (console-api.md §1.5).
  verdict: z.string(),
  mode: z.string(),
  contracts_evaluated: z.array(
    z.object({
      id: z.string(),
      type: z.string(),
      matched: z.boolean(),
      effect: z.string().nullable(),
      message: z.string().nullable(),
      observed: z.boolean(),
      tags: z.array(z.string()),
    }),
  ),
  deciding_contract: z.string().nullable(),
  policy_version: z.string(),
  evaluation_time_ms: z.number(),
  // The verdict model (contract-language.md §15).
  sdk: sdkName,
  outcome: z.string(),
  phase: z.string(),
  message: z.string().nullable(),
  policy_error: z.boolean(),
  observed: z.array(z.object({ id: z.string(), message: z.string().nullable() })),
  approval: z.object({ timeout_seconds: z.number(), timeout_effect: z.string() }).nullable(),
  output: z.unknown().optional(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  trace: z.array(TraceEntry),
  warnings: z.array(Problem),
  bundle: z.object({ name: z.string(), version: z.number() }).nullable(),
  /** Present only when another SDK would decide this call differently. */
  sdk_differences: z.record(z.string(), VerdictSummary).optional(),
  sdk_difference_note: z.string().nullable(),
});
export type EvaluateResponseT = z.output<typeof EvaluateResponse>;
