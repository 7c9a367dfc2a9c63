import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, RetryError, type LanguageModel } from 'ai';
import { OutboundBlockedError } from '../../platform/ssrf-safe-fetch.js';
import { createSafeStreamFetch, OutboundTimeoutError } from '../../platform/ssrf-safe-stream-fetch.js';

/**
 * The providers the assistant speaks to, all through the AI SDK (never hand-written HTTP), each
 * with the SSRF-checked streaming fetch. OpenAI is used through its Chat Completions API (the
 * protocol every OpenAI-compatible server, Ollama and OpenRouter included, also speaks).
 */
export const PROVIDERS = ['anthropic', 'openai', 'openrouter', 'ollama', 'openai_compatible'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const DEFAULT_BASE_URL: Record<ProviderName, string | null> = {
  anthropic: 'https://api.anthropic.com/v1',
  openai: 'https://api.openai.com/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  ollama: 'http://localhost:11434/v1',
  openai_compatible: null,
};

/** Used when the admin names no model; Ollama and other self-hosted servers have no sensible default. */
export const DEFAULT_MODEL: Record<ProviderName, string | null> = {
  anthropic: 'claude-sonnet-4-5',
  openai: 'gpt-4.1-mini',
  openrouter: 'anthropic/claude-sonnet-4.5',
  ollama: null,
  openai_compatible: null,
};

/** Hosted providers refuse calls without a key; self-hosted servers usually take none. */
export const NEEDS_KEY: Record<ProviderName, boolean> = {
  anthropic: true,
  openai: true,
  openrouter: true,
  ollama: false,
  openai_compatible: false,
};

export interface ProviderSettings {
  provider: ProviderName;
  apiKey: string | null;
  model: string | null;
  baseUrl: string | null;
}

export interface ProviderIo {
  allow: string[];
  timeoutMs: number;
}

/** What every failure of a provider call turns into: a kind the dashboard can act on, and a message. */
export type AiErrorKind = 'not_configured' | 'no_key' | 'no_model' | 'blocked' | 'unreachable' | 'rate_limited' | 'timeout' | 'auth' | 'provider_error';

export class AiError extends Error {
  constructor(
    readonly kind: AiErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'AiError';
  }
}

/** 16 MiB: a long streamed answer is a few hundred KB; a body past this is not a model's. */
const MAX_STREAM_BYTES = 16 * 1024 * 1024;

export function resolvedModel(s: ProviderSettings): string {
  const model = s.model?.trim() || DEFAULT_MODEL[s.provider];
  if (!model) throw new AiError('no_model', `No model is set for ${s.provider}. Enter the model name in Settings > AI (for Ollama: a model you have pulled, e.g. "llama3.1").`);
  return model;
}

export function resolvedBaseUrl(s: ProviderSettings): string {
  const url = s.baseUrl?.trim() || DEFAULT_BASE_URL[s.provider];
  if (!url) throw new AiError('not_configured', 'An OpenAI-compatible provider needs a base URL (e.g. http://10.0.0.5:8000/v1) in Settings > AI.');
  return url.replace(/\/+$/, '');
}

/** The AI SDK language model for these settings, or an AiError saying what is missing. */
export function languageModel(s: ProviderSettings, io: ProviderIo): { model: LanguageModel; modelId: string } {
  if (NEEDS_KEY[s.provider] && !s.apiKey) throw new AiError('no_key', `No API key is stored for ${s.provider}. Add one in Settings > AI.`);
  const modelId = resolvedModel(s);
  const baseURL = resolvedBaseUrl(s);
  const fetch = createSafeStreamFetch({ allow: io.allow, timeoutMs: io.timeoutMs, maxBytes: MAX_STREAM_BYTES });
  const apiKey = s.apiKey ?? undefined;
  switch (s.provider) {
    case 'anthropic':
      return { model: createAnthropic({ baseURL, apiKey: apiKey ?? '', fetch })(modelId), modelId };
    case 'openai':
      return { model: createOpenAI({ baseURL, apiKey: apiKey ?? '', fetch }).chat(modelId), modelId };
    case 'openrouter':
    case 'ollama':
    case 'openai_compatible':
      return {
        model: createOpenAICompatible({ name: s.provider, baseURL, ...(apiKey ? { apiKey } : {}), fetch, includeUsage: true }).chatModel(modelId),
        modelId,
      };
  }
}

function innermost(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 6; i += 1) {
    if (RetryError.isInstance(e)) e = e.lastError;
    // A call that never got a status: what failed underneath (our timeout, the SSRF check, the socket).
    else if (APICallError.isInstance(e) && e.statusCode === undefined && e.cause !== undefined) e = e.cause;
    else if (e instanceof Error && e.cause !== undefined && networkText(e) === null && !APICallError.isInstance(e) && !(e instanceof OutboundBlockedError) && !(e instanceof OutboundTimeoutError)) e = e.cause;
    else break;
  }
  return e;
}

/**
 * One message per kind of failure. Never the provider's response body (it may echo the request,
 * key included, or carry hostile text), never the key.
 */
export function classifyAiError(err: unknown, s: Pick<ProviderSettings, 'provider'>): AiError {
  if (err instanceof AiError) return err;
  const e = innermost(err);
  if (e instanceof OutboundBlockedError) {
    return new AiError(
      'blocked',
      `The provider's base URL is refused by the outbound policy (${e.reason}). A provider on a private address, such as Ollama on this host or your network, must be allowed with EDICTUM_OUTBOUND_ALLOW (e.g. EDICTUM_OUTBOUND_ALLOW=127.0.0.1 or the host name).`,
    );
  }
  if (e instanceof OutboundTimeoutError) return new AiError('timeout', `The ${s.provider} provider timed out: ${e.message}. Try again, or raise EDICTUM_AI_TIMEOUT_MS.`);
  if (APICallError.isInstance(e)) {
    const status = e.statusCode;
    if (status === 429) {
      const retry = e.responseHeaders?.['retry-after'];
      return new AiError('rate_limited', `The ${s.provider} provider is rate limiting this key (HTTP 429)${retry ? `; retry after ${retry} s` : ''}. Wait and try again, or raise the limit with the provider.`);
    }
    if (status === 401 || status === 403) return new AiError('auth', `The ${s.provider} provider rejected the API key (HTTP ${status}). Check the key in Settings > AI.`);
    if (status === 404) return new AiError('provider_error', `The ${s.provider} provider answered 404: check the model name and the base URL.`);
    if (status !== undefined) return new AiError('provider_error', `The ${s.provider} provider answered HTTP ${status}. Try again later.`);
    return new AiError('unreachable', `Could not reach the ${s.provider} provider: ${networkText(e.cause) ?? 'the connection failed'}.`);
  }
  const text = networkText(e);
  if (text) return new AiError('unreachable', `Could not reach the ${s.provider} provider: ${text}.`);
  return new AiError('provider_error', `The ${s.provider} provider call failed. Check Settings > AI.`);
}

/** Messages of our outbound client are ours (no remote body); anything else is not repeated. */
function networkText(e: unknown): string | null {
  if (e instanceof OutboundTimeoutError) return e.message;
  if (!(e instanceof Error)) return null;
  const m = e.message;
  if (/^(connection (refused|reset|to)|could not resolve|request to|TLS error|invalid HTTP response|.* is unreachable)/.test(m)) return m;
  return null;
}
