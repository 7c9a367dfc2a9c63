import { z } from 'zod';
import { text } from '../../platform/zod-fastify.js';

export const SWITCH_KINDS = ['freeze_tool', 'stop_side_effects', 'quarantine_agent'] as const;
/** A switch lasts at most a week from now (extensions included). */
export const MAX_MINUTES = 7 * 24 * 60;

/** A tool name or glob as a contract's `tool` takes it (reference/contract-language.md section 7). */
const toolGlob = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((s) => !/[\\/\p{Cc}\u2028\u2029]/u.test(s), 'must be a tool name or glob: no slashes or control characters');

const agentId = z
  .string()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .refine((s) => !/\p{Cc}/u.test(s), 'must not contain control characters');

const minutes = z
  .number()
  .int('must be a whole number of minutes')
  .min(1, 'must be at least 1 minute')
  .max(MAX_MINUTES, `must be at most ${MAX_MINUTES} minutes (7 days)`);

export const ArmBody = z
  .strictObject({
    kind: z.enum(SWITCH_KINDS),
    tool: toolGlob.optional(),
    agent_id: agentId.optional(),
    reason: text(1000).trim().min(3, 'must say why (at least 3 characters)'),
    duration_minutes: minutes,
  })
  .superRefine((b, ctx) => {
    if (b.kind === 'freeze_tool' && !b.tool)
      ctx.addIssue({ code: 'custom', path: ['tool'], message: 'is required to freeze a tool' });
    if (b.kind !== 'freeze_tool' && b.tool) ctx.addIssue({ code: 'custom', path: ['tool'], message: `is only for freeze_tool` });
    if (b.kind === 'quarantine_agent' && !b.agent_id)
      ctx.addIssue({ code: 'custom', path: ['agent_id'], message: 'is required to quarantine an agent' });
  });

export const ExtendBody = z.strictObject({ minutes });
export const DisarmBody = z.strictObject({ reason: text(1000).optional() });
export const SwitchParams = z.strictObject({ id: z.string().uuid('must be a UUID') });

export const SwitchResponse = z.object({
  id: z.string(),
  kind: z.enum(SWITCH_KINDS),
  tool: z.string().nullable(),
  agent_id: z.string().nullable(),
  reason: z.string(),
  status: z.enum(['pending', 'active', 'disarmed', 'expired', 'lapsed']),
  duration_seconds: z.number(),
  armed_by: z.string(),
  confirmed_by: z.string().nullable(),
  confirmed_at: z.string().nullable(),
  /** Active: when it ends by itself. Pending: when the request lapses unconfirmed. */
  expires_at: z.string(),
  ended_by: z.string().nullable(),
  ended_at: z.string().nullable(),
  effects: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  /** Whether the caller may confirm it (pending, armed by someone else). */
  can_confirm: z.boolean(),
});
export const SwitchList = z.object({ switches: z.array(SwitchResponse), admins: z.number() });

export type ArmBodyT = z.output<typeof ArmBody>;
export type SwitchResponseT = z.infer<typeof SwitchResponse>;
