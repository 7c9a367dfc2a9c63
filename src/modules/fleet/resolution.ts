import type { Resolution } from '../protocol-types.js';
import { globMatch } from '../../platform/glob.js';

export interface RuleLike {
  id: string;
  pattern: string;
  tagMatch: unknown;
  bundleName: string;
  env: string;
}

/** Every key of `tagMatch` must equal the agent's tag value (console-api.md 4.8). */
export function tagsMatch(tagMatch: unknown, tags: Record<string, unknown>): boolean {
  if (tagMatch === null || tagMatch === undefined || typeof tagMatch !== 'object') return true;
  for (const [k, want] of Object.entries(tagMatch as Record<string, unknown>)) {
    if (!Object.hasOwn(tags, k)) return false;
    const have = tags[k];
    if (have === want) continue;
    // Non-scalar values (never written by us, but jsonb allows them) compare structurally.
    if (typeof have === 'object' && typeof want === 'object' && JSON.stringify(have) === JSON.stringify(want)) continue;
    return false;
  }
  return true;
}

/**
 * Resolution order, first hit wins: explicit assignment, then rules in ascending priority
 * (already sorted and env-filtered by the caller), then the bundle the agent named, else none.
 */
export function resolveWith(input: {
  explicit: string | null;
  rules: RuleLike[];
  agentId: string;
  tags: Record<string, unknown>;
  agentProvided?: string | null | undefined;
}): Resolution {
  if (input.explicit) return { bundle_name: input.explicit, source: 'explicit', rule_id: null, rule_pattern: null };
  for (const r of input.rules) {
    if (globMatch(r.pattern, input.agentId) && tagsMatch(r.tagMatch, input.tags)) {
      return { bundle_name: r.bundleName, source: 'rule', rule_id: r.id, rule_pattern: r.pattern };
    }
  }
  if (input.agentProvided)
    return { bundle_name: input.agentProvided, source: 'agent_provided', rule_id: null, rule_pattern: null };
  return { bundle_name: null, source: 'none', rule_id: null, rule_pattern: null };
}
