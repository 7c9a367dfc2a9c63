import { z } from 'zod';
import type { ApprovalRow } from '../../context.js';
import { globMatch } from '../../platform/glob.js';

/** Routing filters (console-api.md 6.3): every non-empty dimension must match; null/empty = all. */
const pattern = z.string().trim().min(1).max(200, 'must be at most 200 characters');
export const Filters = z.strictObject({
  environments: z.array(pattern).max(100).nullable().optional(),
  agent_patterns: z.array(pattern).max(100).nullable().optional(),
  contract_names: z.array(pattern).max(100).nullable().optional(),
});
export type FiltersT = z.infer<typeof Filters>;

/** Filter patterns are stored as typed (fnmatch rules: an unclosed `[` is literal). */
const LENIENT = { lenient: true };

export function matchesFilters(filters: FiltersT | null | undefined, approval: Pick<ApprovalRow, 'env' | 'agentId' | 'contractName'>): boolean {
  if (!filters) return true;
  const envs = filters.environments ?? [];
  if (envs.length > 0 && !envs.includes(approval.env)) return false;
  const agents = filters.agent_patterns ?? [];
  if (agents.length > 0 && !agents.some((g) => globMatch(g, approval.agentId, LENIENT))) return false;
  const contracts = filters.contract_names ?? [];
  // Applied only when the approval names a contract (the reference's rule).
  if (contracts.length > 0 && approval.contractName && !contracts.some((g) => globMatch(g, approval.contractName!, LENIENT))) return false;
  return true;
}

/** Filters as stored (jsonb): parse leniently, a broken value means "no filter". */
export function storedFilters(value: unknown): FiltersT | null {
  if (value === null || value === undefined) return null;
  const r = Filters.safeParse(value);
  return r.success ? r.data : null;
}
