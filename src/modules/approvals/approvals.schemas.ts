import { z } from 'zod';
import { envName, uuidParam } from '../../platform/zod-fastify.js';

/** Serialized size cap for `tool_args` (H1: every JSON body bounded). */
export const TOOL_ARGS_MAX_BYTES = 64 * 1024;
/** Nesting cap for `tool_args`: Postgres' jsonb parser recurses, so a deep array could exhaust its stack. */
export const TOOL_ARGS_MAX_DEPTH = 64;

// Without the `u` flag the regex sees UTF-16 code units, which is what "unpaired" is about.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Text that Postgres can store as given: no NUL (text columns refuse it) and no lone UTF-16
 * surrogate (jsonb refuses the escape; text would silently turn it into U+FFFD).
 */
export function isStorableText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

const STORABLE_MSG = 'must not contain NUL characters or unpaired surrogates';
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).refine(isStorableText, STORABLE_MSG);

/** Walks a parsed JSON value iteratively; returns a problem or null. */
function toolArgsProblem(value: Record<string, unknown>): string | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 1 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (!isStorableText(v)) return STORABLE_MSG;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > TOOL_ARGS_MAX_DEPTH) return `must be nested at most ${TOOL_ARGS_MAX_DEPTH} levels deep`;
    const entries = Array.isArray(v) ? v.map((x) => ['', x] as const) : Object.entries(v);
    for (const [k, child] of entries) {
      if (!isStorableText(k)) return STORABLE_MSG;
      stack.push({ v: child, depth: depth + 1 });
    }
  }
  if (Buffer.byteLength(JSON.stringify(value), 'utf8') > TOOL_ARGS_MAX_BYTES) {
    return `must be at most ${TOOL_ARGS_MAX_BYTES} bytes as JSON`;
  }
  return null;
}

const toolArgs = z
  .record(z.string(), z.unknown())
  .superRefine((v, ctx) => {
    const problem = toolArgsProblem(v);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .nullable()
  .optional();

/**
 * What the SDKs send (sdk-contract.md 2 and 5): agent_id, tool_name, tool_args, message, timeout,
 * timeout_effect. `agent_id` is required by the reference but ignored: the identity is the
 * X-Edictum-Agent-Id header (or the key), never the body.
 */
export const CreateApprovalBody = z.strictObject({
  agent_id: z.string().max(255, 'must be at most 255 characters'),
  tool_name: text(255).pipe(z.string().min(1, 'must not be empty')),
  tool_args: toolArgs,
  message: text(10_000),
  // Whole seconds; the TS SDK may send a fraction (sdk-contract-v2.md 2.4), rounded up rather than refused.
  timeout: z.number().positive('must be positive').max(86_400, 'must be at most 86400').transform(Math.ceil).default(300),
  timeout_effect: z.enum(['deny', 'allow']).default('deny'),
  decision_source: text(255).nullable().optional(),
  contract_name: text(255).nullable().optional(),
  // Current SDKs (sdk-contract-v2.md 2.4): `timeout_action` is `timeout_effect` renamed, block = deny;
  // TS server 0.1.2/0.2.0 sent it with `deny` (section 6). When given, it wins over timeout_effect.
  timeout_action: z.enum(['block', 'deny', 'allow']).nullable().optional(),
  session_id: text(255).nullable().optional(),
});
export type CreateApprovalInput = z.output<typeof CreateApprovalBody>;

export const ApprovalIdParams = z.strictObject({ approval_id: uuidParam });

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'timeout'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export const ListApprovalsQuery = z.strictObject({
  status: z.enum(APPROVAL_STATUSES).optional(),
  limit: z.coerce.number().int('must be an integer').min(1, 'must be at least 1').max(1000, 'must be at most 1000').default(100),
  offset: z.coerce
    .number()
    .int('must be an integer')
    .min(0, 'must be at least 0')
    .max(1_000_000, 'must be at most 1000000')
    .default(0),
  agent_id: text(255).pipe(z.string().min(1, 'must not be empty')).optional(),
  tool_name: text(255).pipe(z.string().min(1, 'must not be empty')).optional(),
  env: envName.optional(),
});
export type ListApprovalsInput = z.output<typeof ListApprovalsQuery>;

/**
 * The dashboard's decision. `decided_by` is accepted (the reference dashboard and scripts send it)
 * but ignored: the decider is always the session's identity (decision 9).
 */
export const DecideBody = z.strictObject({
  approved: z.boolean(),
  reason: text(2000).nullable().optional(),
  decided_via: text(64).pipe(z.string().min(1, 'must not be empty')).nullable().optional(),
  decided_by: z.string().max(255, 'must be at most 255 characters').nullable().optional(),
});
export type DecideInput = z.output<typeof DecideBody>;

export const ApprovalResponse = z.object({
  id: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  agent_id: z.string(),
  tool_name: z.string(),
  tool_args: z.record(z.string(), z.unknown()).nullable(),
  message: z.string(),
  env: z.string(),
  timeout_seconds: z.number(),
  timeout_effect: z.string(),
  decision_source: z.string().nullable(),
  contract_name: z.string().nullable(),
  decided_by: z.string().nullable(),
  decided_at: z.string().nullable(),
  decision_reason: z.string().nullable(),
  decided_via: z.string().nullable(),
  /** The agent's session, when a current SDK sent one. */
  session_id: z.string().nullable().optional(),
  /** The same setting under the current SDKs' name (`block` = deny). */
  timeout_action: z.string().optional(),
  created_at: z.string(),
  /** Not in the reference: when a pending approval stops accepting decisions. */
  expires_at: z.string(),
});
export type ApprovalResponseT = z.infer<typeof ApprovalResponse>;
export const ApprovalList = z.array(ApprovalResponse);
