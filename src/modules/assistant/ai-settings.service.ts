import { performance } from 'node:perf_hooks';
import { generateText } from 'ai';
import type { AppContext } from '../../context.js';
import { secretBoxDecrypt, secretBoxEncrypt, secretBoxKeyFromHex } from '../../platform/crypto.js';
import { tooManyRequests, unavailable, unprocessable } from '../../platform/errors.js';
import { checkUrl, OutboundBlockedError } from '../../platform/ssrf-safe-fetch.js';
import { estimateCostUsd } from './ai-pricing.js';
import { AiError, classifyAiError, DEFAULT_BASE_URL, DEFAULT_MODEL, languageModel, PROVIDERS, type ProviderName, type ProviderSettings } from './ai-provider.js';
import { aiSettingsRepository, type UsageRecord } from './ai-settings.repository.js';
import type { AiSettingsBodyT, AiSettingsResponseT, AiTestResponseT, UsageResponseT } from './assistant.schemas.js';

/** The reference's mask: first 8 + "..." + last 4; short keys show nothing of themselves. */
export function maskKey(key: string | null): string | null {
  if (!key) return null;
  return key.length >= 24 ? `${key.slice(0, 8)}...${key.slice(-4)}` : '***';
}

export const BLOCKED_HINT =
  'A provider on a private address (such as Ollama on this host or your network) must be allowed with EDICTUM_OUTBOUND_ALLOW, e.g. EDICTUM_OUTBOUND_ALLOW=127.0.0.1 or the host name.';

export function createAiSettingsService(ctx: AppContext) {
  const { config, database, logger } = ctx.deps;
  const { db } = database;
  const secret = ctx.deps.secrets.signingKeySecret;
  const boxKey = secret ? secretBoxKeyFromHex(secret) : null;
  const log = logger.child({ module: 'assistant' });
  const io = () => ({ allow: config.outbound.allow, timeoutMs: config.aiTimeoutMs });

  const needKey = (): Uint8Array => {
    if (!boxKey) throw unavailable('EDICTUM_SIGNING_KEY_SECRET is not configured; the provider key cannot be stored.', 'assistant.no_secret');
    return boxKey;
  };

  function decryptKey(enc: Uint8Array | null, tenantId: string): string | null {
    if (!enc) return null;
    try {
      return Buffer.from(secretBoxDecrypt(needKey(), enc)).toString('utf8');
    } catch (err) {
      log.warn({ tenant: tenantId, err: (err as Error).message }, 'stored AI key cannot be decrypted (was EDICTUM_SIGNING_KEY_SECRET changed?)');
      return null;
    }
  }

  /** The tenant's provider settings with the key decrypted, or null when none are stored. */
  async function resolve(tenantId: string): Promise<ProviderSettings | null> {
    const row = await aiSettingsRepository.get(db, tenantId);
    if (!row || !(PROVIDERS as readonly string[]).includes(row.provider)) return null;
    return { provider: row.provider as ProviderName, apiKey: decryptKey(row.apiKeyEncrypted, tenantId), model: row.model, baseUrl: row.baseUrl };
  }

  async function checkBaseUrl(provider: ProviderName, baseUrl: string | null): Promise<void> {
    const target = baseUrl ?? (provider === 'ollama' ? DEFAULT_BASE_URL.ollama : null);
    if (provider === 'openai_compatible' && !baseUrl) throw unprocessable([{ loc: ['body', 'base_url'], msg: 'is required for an OpenAI-compatible provider' }], 'assistant.base_url_required');
    if (!target) return;
    try {
      await checkUrl(target, { allow: config.outbound.allow, timeoutMs: config.outbound.timeoutMs, maxResponseBytes: 0 });
    } catch (err) {
      // Only a refusal is final: a name that does not resolve now may resolve later (the test says so).
      if (err instanceof OutboundBlockedError) throw unprocessable([{ loc: ['body', 'base_url'], msg: `is not allowed: ${err.reason}. ${BLOCKED_HINT}` }], 'assistant.base_url_blocked');
    }
  }

  async function record(r: Omit<UsageRecord, 'estimatedCostUsd'>): Promise<void> {
    try {
      await aiSettingsRepository.record(db, { ...r, estimatedCostUsd: estimateCostUsd(r.provider, r.model, r.inputTokens, r.outputTokens) });
    } catch (err) {
      log.error({ err, tenant: r.tenantId }, 'could not record AI usage');
    }
  }

  const monthStart = (now: Date) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));

  /** 429 when the tenant's monthly token budget is used up (checked before every provider call). */
  async function checkBudget(tenantId: string): Promise<void> {
    const row = await aiSettingsRepository.get(db, tenantId);
    if (!row?.monthlyTokenBudget) return;
    const now = ctx.deps.now();
    const used = await aiSettingsRepository.tokensSince(db, tenantId, monthStart(now));
    if (used < row.monthlyTokenBudget) return;
    const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    throw tooManyRequests(
      `This month's AI token budget (${row.monthlyTokenBudget.toLocaleString('en-US')} tokens) is used up: ${used.toLocaleString('en-US')} used since ${monthStart(now).toISOString().slice(0, 10)}. An admin can raise it in Settings > AI.`,
      (next.getTime() - now.getTime()) / 1000,
      'assistant.budget_exhausted',
    );
  }

  return {
    resolve,
    record,
    io,
    checkBudget,

    async get(tenantId: string): Promise<AiSettingsResponseT> {
      const s = await resolve(tenantId);
      const used = await aiSettingsRepository.tokensSince(db, tenantId, monthStart(ctx.deps.now()));
      if (!s) return { provider: '', api_key_masked: null, model: null, base_url: null, configured: false, default_model: null, monthly_token_budget: null, tokens_this_month: used };
      const row = await aiSettingsRepository.get(db, tenantId);
      return {
        provider: s.provider,
        api_key_masked: maskKey(s.apiKey),
        model: s.model,
        base_url: s.baseUrl,
        configured: true,
        default_model: DEFAULT_MODEL[s.provider],
        monthly_token_budget: row?.monthlyTokenBudget ?? null,
        tokens_this_month: used,
      };
    },

    async put(tenantId: string, updatedBy: string, body: AiSettingsBodyT): Promise<void> {
      const baseUrl = body.base_url?.trim() || null;
      const model = body.model?.trim() || null;
      await checkBaseUrl(body.provider, baseUrl);
      // Omitted: keep the stored key; empty: remove it.
      const apiKeyEncrypted = body.api_key === undefined ? undefined : body.api_key.trim() === '' ? null : secretBoxEncrypt(needKey(), Buffer.from(body.api_key.trim(), 'utf8'));
      await aiSettingsRepository.upsert(db, tenantId, { provider: body.provider, model, baseUrl, apiKeyEncrypted, monthlyTokenBudget: body.monthly_token_budget, updatedBy });
    },

    async remove(tenantId: string): Promise<void> {
      await aiSettingsRepository.delete(db, tenantId);
    },

    /** One short generation against the stored settings; failures are reported in the body. */
    async test(tenantId: string): Promise<AiTestResponseT> {
      const s = await resolve(tenantId);
      if (!s) return { ok: false, error: 'AI is not configured. Choose a provider in Settings > AI.', error_kind: 'not_configured' };
      const started = performance.now();
      try {
        const { model, modelId } = languageModel(s, io());
        const out = await generateText({ model, prompt: 'Reply with the single word OK.', maxOutputTokens: 16, maxRetries: 0 });
        const latency = Math.round(performance.now() - started);
        await record({ tenantId, provider: s.provider, model: modelId, inputTokens: out.usage.inputTokens ?? 0, outputTokens: out.usage.outputTokens ?? 0, durationMs: latency, requestType: 'test' });
        return { ok: true, model: modelId, latency_ms: latency };
      } catch (err) {
        const e = err instanceof AiError ? err : classifyAiError(err, s);
        log.info({ tenant: tenantId, kind: e.kind }, 'AI provider test failed');
        return { ok: false, error: e.message, error_kind: e.kind };
      }
    },

    async usage(tenantId: string, days: number): Promise<UsageResponseT> {
      const since = new Date(ctx.deps.now().getTime() - days * 86_400_000);
      const daily = await aiSettingsRepository.daily(database, tenantId, since);
      const sum = (f: (d: (typeof daily)[number]) => number) => daily.reduce((a, d) => a + f(d), 0);
      const input = sum((d) => d.input_tokens);
      const output = sum((d) => d.output_tokens);
      const costed = sum((d) => d.costed);
      const seconds = sum((d) => d.duration_ms) / 1000;
      return {
        total_input_tokens: input,
        total_output_tokens: output,
        total_cost_usd: costed === 0 ? null : Math.round(sum((d) => d.cost_usd ?? 0) * 1_000_000) / 1_000_000,
        query_count: sum((d) => d.queries),
        avg_tokens_per_second: seconds > 0 ? Math.round((output / seconds) * 10) / 10 : 0,
        daily: daily.map(({ date, input_tokens, output_tokens, cost_usd, queries }) => ({ date, input_tokens, output_tokens, cost_usd, queries })),
      };
    },
  };
}

export type AiSettingsService = ReturnType<typeof createAiSettingsService>;
