import { z } from 'zod';
import { text } from '../../platform/zod-fastify.js';
import { PROVIDERS } from './ai-provider.js';

/** console-api.md 1.18, plus `openai_compatible` (any OpenAI-compatible server at a base URL). */
export const AiSettingsBody = z.strictObject({
  provider: z.enum(PROVIDERS, { message: `must be one of ${PROVIDERS.join(', ')}` }),
  api_key: text(500).optional(),
  model: text(200).optional(),
  base_url: text(500).optional(),
  /** Tokens per calendar month (UTC) for this tenant; null removes the limit, omitted keeps it. */
  monthly_token_budget: z.number({ message: 'must be a number' }).int('must be an integer').min(1000, 'must be at least 1000').max(1_000_000_000, 'must be at most 1000000000').nullable().optional(),
});
export type AiSettingsBodyT = z.infer<typeof AiSettingsBody>;

export const AiSettingsResponse = z.object({
  provider: z.string(),
  api_key_masked: z.string().nullable(),
  model: z.string().nullable(),
  base_url: z.string().nullable(),
  configured: z.boolean(),
  /** The model used when `model` is empty (null: the admin must name one). */
  default_model: z.string().nullable(),
  monthly_token_budget: z.number().nullable(),
  tokens_this_month: z.number(),
});
export type AiSettingsResponseT = z.infer<typeof AiSettingsResponse>;

export const AiConfiguredResponse = z.object({ configured: z.literal(true) });

export const AiTestResponse = z.object({
  ok: z.boolean(),
  model: z.string().optional(),
  latency_ms: z.number().optional(),
  error: z.string().optional(),
  /** What failed: no_key, no_model, blocked, unreachable, rate_limited, timeout, auth, provider_error, not_configured. */
  error_kind: z.string().optional(),
});
export type AiTestResponseT = z.infer<typeof AiTestResponse>;

export const UsageQuery = z.strictObject({
  days: z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(1, 'must be at least 1').max(365, 'must be at most 365').default(30),
});

export const UsageResponse = z.object({
  total_input_tokens: z.number(),
  total_output_tokens: z.number(),
  total_cost_usd: z.number().nullable(),
  query_count: z.number(),
  avg_tokens_per_second: z.number(),
  daily: z.array(z.object({ date: z.string(), input_tokens: z.number(), output_tokens: z.number(), cost_usd: z.number().nullable(), queries: z.number() })),
});
export type UsageResponseT = z.infer<typeof UsageResponse>;

const Message = z.strictObject({
  role: z.enum(['user', 'assistant'], { message: 'must be user or assistant' }),
  content: text(10_000).pipe(z.string().min(1, 'must not be empty')),
});

export const AssistBody = z.strictObject({
  messages: z.array(Message).min(1, 'must hold at least one message').max(50, 'must hold at most 50 messages'),
  current_yaml: text(50_000).optional(),
});
export type AssistBodyT = z.infer<typeof AssistBody>;

export const DescribeBody = z.strictObject({
  name: text(255),
  type: text(32),
  definition_yaml: text(50_000),
  tags: z.array(text(64)).max(20, 'must hold at most 20 tags').default([]),
});
export type DescribeBodyT = z.infer<typeof DescribeBody>;

export const DescribeResponse = z.object({ description: z.string() });
