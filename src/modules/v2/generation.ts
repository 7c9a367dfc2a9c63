import { globMatch } from '../../platform/glob.js';

/**
 * Which YAML an agent on `/api/v1` loads (sdk-contract-v2.md section 6). The path tells the
 * generations apart everywhere except here: Python 0.17.0 and `@edictum/server` 0.1.2/0.2.0 call
 * `/api/v1/bundles/{name}/current` and `/api/v1/stream` exactly as the pre-rename SDKs do, yet
 * only load `kind: Ruleset`. Nothing in those requests differs, so the operator lists such
 * agents (EDICTUM_API_V1_RULESET_AGENTS, agent-id globs); their events and approvals are told
 * apart by what they send (`decision`, `timeout_action`) and need no setting.
 */
export function wantsRulesetOnApiV1(globs: readonly string[], agentId: string | null | undefined): boolean {
  if (!agentId || globs.length === 0) return false;
  return globs.some((g) => globMatch(g, agentId));
}
