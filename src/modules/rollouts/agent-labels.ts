import type { Db } from '../../db/client.js';
import { globMatch } from '../../platform/glob.js';
import { fleetRepository } from '../fleet/fleet.repository.js';
import { tagsMatch } from '../fleet/resolution.js';
import { canaryRepository } from './canary.repository.js';
import type { FleetLabelsT } from './rollouts.schemas.js';

/**
 * Every label of the fleet, for the dashboard's lists and the canary label picker: each agent's
 * own labels, and those a labelled assignment rule gives it in the rule's env (the same match a
 * canary slice uses: the rule's glob on the agent id and its tags; canary.service.ts withLabel).
 */
export async function fleetLabels(db: Db, tenantId: string): Promise<FleetLabelsT> {
  const [own, regs, rules, ruleLabels] = await Promise.all([
    canaryRepository.allAgentLabels(db, tenantId),
    fleetRepository.list(db, tenantId),
    fleetRepository.rules(db, tenantId),
    canaryRepository.ruleLabels(db, tenantId),
  ]);
  const labelled = rules.filter((r) => (ruleLabels.get(r.id)?.length ?? 0) > 0);
  const agents: FleetLabelsT['agents'] = [];
  for (const reg of regs) {
    const tags = (reg.tags ?? {}) as Record<string, unknown>;
    const fromRules = labelled
      .filter((r) => globMatch(r.pattern, reg.agentId) && tagsMatch(r.tagMatch, tags))
      .flatMap((r) => ruleLabels.get(r.id)!.map((label) => ({ label, env: r.env, rule_id: r.id })));
    const labels = own.get(reg.agentId) ?? [];
    if (labels.length || fromRules.length) agents.push({ agent_id: reg.agentId, labels, rule_labels: fromRules });
  }
  return { agents, rules: [...ruleLabels].map(([rule_id, labels]) => ({ rule_id, labels })) };
}
