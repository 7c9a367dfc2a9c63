/**
 * Estimated cost per call: USD per million input and output tokens, by model name prefix (the
 * first matching prefix wins, so longer prefixes come first). Prices are the providers' public
 * list prices when this table was written; they change, so the cost shown is an estimate and an
 * unknown model costs `null` (shown as "unknown"), never a guess. Self-hosted (Ollama) is free.
 */
const PRICES: [prefix: string, inputPerM: number, outputPerM: number][] = [
  ['claude-opus-4', 15, 75],
  ['claude-sonnet-4', 3, 15],
  ['claude-3-7-sonnet', 3, 15],
  ['claude-3-5-sonnet', 3, 15],
  ['claude-haiku-4', 1, 5],
  ['claude-3-5-haiku', 0.8, 4],
  ['gpt-4.1-nano', 0.1, 0.4],
  ['gpt-4.1-mini', 0.4, 1.6],
  ['gpt-4.1', 2, 8],
  ['gpt-4o-mini', 0.15, 0.6],
  ['gpt-4o', 2.5, 10],
  ['o4-mini', 1.1, 4.4],
];

export function estimateCostUsd(provider: string, model: string, inputTokens: number, outputTokens: number): number | null {
  if (provider === 'ollama') return 0;
  // OpenRouter names models `<vendor>/<model>`; the vendor's price is the estimate.
  const name = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  const hit = PRICES.find(([prefix]) => name.startsWith(prefix));
  if (!hit) return null;
  const cost = (inputTokens * hit[1] + outputTokens * hit[2]) / 1_000_000;
  return Math.round(cost * 1_000_000) / 1_000_000;
}
