// The contract assistant (docs/assistant.md): AI settings, usage, and the assist stream.
import { api, ApiError, buildUrl } from './client';
import { useQuery } from './query';

export type AiProvider = 'anthropic' | 'openai' | 'openrouter' | 'ollama' | 'openai_compatible';

export interface AiSettings {
  provider: AiProvider | '';
  api_key_masked: string | null;
  model: string | null;
  base_url: string | null;
  configured: boolean;
  default_model: string | null;
  monthly_token_budget: number | null;
  tokens_this_month: number;
}

export interface AiTestResult {
  ok: boolean;
  model?: string;
  latency_ms?: number;
  error?: string;
  error_kind?: string;
}

export interface AiUsage {
  total_input_tokens: number;
  total_output_tokens: number;
  total_cost_usd: number | null;
  query_count: number;
  avg_tokens_per_second: number;
  daily: { date: string; input_tokens: number; output_tokens: number; cost_usd: number | null; queries: number }[];
}

export const AI_SETTINGS_KEY = 'ai-settings';

export const getAiSettings = () => api<AiSettings>('/settings/ai');
export const saveAiSettings = (body: { provider: AiProvider; api_key?: string; model?: string; base_url?: string; monthly_token_budget?: number | null }) =>
  api<{ configured: true }>('/settings/ai', { method: 'PUT', body });
export const deleteAiSettings = () => api<void>('/settings/ai', { method: 'DELETE' });
export const testAi = () => api<AiTestResult>('/settings/ai/test', { method: 'POST' });
export const getAiUsage = (days: number) => api<AiUsage>('/settings/ai/usage', { query: { days } });

export function useAiSettings() {
  return useQuery(AI_SETTINGS_KEY, getAiSettings);
}

// ---------- the assist stream ----------

export interface ProofCall {
  call_id: string;
  tool: string;
  agent_id: string;
  timestamp: string;
  args: string;
  recorded: string;
  outcome: string;
  contract: string | null;
  message: string | null;
}

export interface Proof {
  valid: boolean;
  errors: { path: string; message: string; line: number | null }[];
  warnings: { path: string; message: string }[];
  wrapped: boolean;
  contracts: { id: string; type: string; tool: string | string[] | null }[];
  samples: ProofCall[];
  replay: {
    window_days: number;
    events_evaluated: number;
    limited: boolean;
    targeted_calls: number;
    counts: Record<string, number>;
    changed: number;
    by_tool: { tool: string; calls: number; denied: number; approval_required: number }[];
    examples: ProofCall[];
  } | null;
  summary: string;
}

export interface Proposal {
  index: number;
  yaml: string;
  applicable: boolean;
  repaired: boolean;
  proof: Proof;
}

export interface AssistUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  duration_ms: number;
  tokens_per_second: number;
  estimated_cost_usd: number | null;
  model: string;
}

/** One frame of POST /contracts/assist (`data: <json>` lines; `[DONE]` ends it). */
export type AssistFrame =
  | { content: string }
  | { type: 'tool_call_start'; tool: string; id: string }
  | { type: 'tool_call_result'; id: string; tool: string; result: string; duration_ms: number }
  | { type: 'proposal_pending'; index: number }
  | { type: 'repair'; index: number; errors: { path: string; message: string }[] }
  | ({ type: 'proposal' } & Proposal)
  | ({ type: 'usage' } & AssistUsage)
  | { error: string; error_kind?: string };

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Streams the assistant's answer, calling `onFrame` per frame; resolves at `[DONE]` or when the stream ends. */
export async function streamAssist(body: { messages: ChatMessage[]; current_yaml?: string }, onFrame: (f: AssistFrame) => void, signal: AbortSignal): Promise<void> {
  const res = await fetch(buildUrl('/contracts/assist'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', 'X-Requested-With': 'XMLHttpRequest' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    signal,
  });
  if (!res.ok || !res.body) {
    let detail = `Request failed (${res.status})`;
    try {
      const j = (await res.json()) as { detail?: unknown };
      if (typeof j.detail === 'string') detail = j.detail;
      else if (Array.isArray(j.detail)) detail = j.detail.map((p: { msg?: string }) => p.msg ?? '').join('; ');
    } catch {
      // not JSON
    }
    throw new ApiError(res.status, detail);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) !== -1) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      for (const line of block.split('\n')) {
        if (!line.startsWith('data: ')) continue;
        const data = line.slice(6);
        if (data === '[DONE]') return;
        onFrame(JSON.parse(data) as AssistFrame);
      }
    }
  }
}
