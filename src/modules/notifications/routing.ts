import { z } from 'zod';
import type { ApprovalRow } from '../../context.js';

/** Routing filters (console-api.md 6.3): every non-empty dimension must match; null/empty = all. */
const pattern = z.string().trim().min(1).max(200, 'must be at most 200 characters');
export const Filters = z.strictObject({
  environments: z.array(pattern).max(100).nullable().optional(),
  agent_patterns: z.array(pattern).max(100).nullable().optional(),
  contract_names: z.array(pattern).max(100).nullable().optional(),
});
export type FiltersT = z.infer<typeof Filters>;

const cache = new Map<string, RegExp>();

/**
 * Case-sensitive shell-style glob, as Python's fnmatchcase: `*` any run, `?` one character,
 * `[seq]` / `[!seq]` a class. Everything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  const hit = cache.get(glob);
  if (hit) return hit;
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  const out = new RegExp(`^${re}$`, 's');
  if (cache.size > 1000) cache.clear();
  cache.set(glob, out);
  return out;
}

export function globMatch(glob: string, value: string): boolean {
  return globToRegExp(glob).test(value);
}

export function matchesFilters(filters: FiltersT | null | undefined, approval: Pick<ApprovalRow, 'env' | 'agentId' | 'contractName'>): boolean {
  if (!filters) return true;
  const envs = filters.environments ?? [];
  if (envs.length > 0 && !envs.includes(approval.env)) return false;
  const agents = filters.agent_patterns ?? [];
  if (agents.length > 0 && !agents.some((g) => globMatch(g, approval.agentId))) return false;
  const contracts = filters.contract_names ?? [];
  // Applied only when the approval names a contract (the reference's rule).
  if (contracts.length > 0 && approval.contractName && !contracts.some((g) => globMatch(g, approval.contractName!))) return false;
  return true;
}

/** Filters as stored (jsonb): parse leniently, a broken value means "no filter". */
export function storedFilters(value: unknown): FiltersT | null {
  if (value === null || value === undefined) return null;
  const r = Filters.safeParse(value);
  return r.success ? r.data : null;
}
