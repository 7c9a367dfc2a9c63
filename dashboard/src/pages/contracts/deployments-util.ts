import type { Deployment } from '../../api/types';

/** The latest deployment of each environment (the list is newest first). */
export function currentByEnv(deps: Deployment[]): Map<string, Deployment> {
  const out = new Map<string, Deployment>();
  for (const d of [...deps].sort((a, b) => b.created_at.localeCompare(a.created_at))) if (!out.has(d.env)) out.set(d.env, d);
  return out;
}
