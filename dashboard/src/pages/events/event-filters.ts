import type { EventQuery, FacetName } from '../../api/types';

export const FACETS = [
  { key: 'agent', param: 'agent_id', facet: 'agent_id', label: 'Agent' },
  { key: 'tool', param: 'tool_name', facet: 'tool_name', label: 'Tool' },
  { key: 'verdict', param: 'verdict', facet: 'verdict', label: 'Verdict' },
  { key: 'mode', param: 'mode', facet: 'mode', label: 'Mode' },
  { key: 'env', param: 'env', facet: 'env', label: 'Environment' },
  { key: 'contract', param: 'contract', facet: 'decision_name', label: 'Contract' },
] as const satisfies readonly { key: string; param: keyof EventQuery; facet: FacetName; label: string }[];
export type FacetKey = (typeof FACETS)[number]['key'];

export const WINDOWS = [
  { key: '15m', label: '15m', ms: 15 * 60_000 },
  { key: '1h', label: '1h', ms: 3600_000 },
  { key: '6h', label: '6h', ms: 6 * 3600_000 },
  { key: '24h', label: '24h', ms: 86_400_000 },
  { key: '7d', label: '7d', ms: 7 * 86_400_000 },
  { key: '30d', label: '30d', ms: 30 * 86_400_000 },
] as const;
export type WindowKey = (typeof WINDOWS)[number]['key'] | 'custom';
export const DEFAULT_WINDOW: WindowKey = '24h';

export interface EventFilters {
  /** values OR within a facet, AND across facets (the server's rule for repeated params) */
  facets: Partial<Record<FacetKey, string[]>>;
  q: string;
  window: WindowKey;
  /** ms epoch; only for custom */
  since: number | null;
  until: number | null;
}

/**
 * Reads filters from the URL: ?agent=&tool=&verdict=&mode=&env=&contract= (each may repeat),
 * ?q=, ?window= or ?since=&until=, and ?ts= (the half hour either side of a moment).
 */
export function filtersFromParams(p: URLSearchParams): EventFilters {
  const facets: EventFilters['facets'] = {};
  for (const f of FACETS) {
    const v = p.getAll(f.key).filter(Boolean);
    if (v.length) facets[f.key] = [...new Set(v)];
  }
  const q = p.get('q') ?? '';
  const since = p.get('since') ? Date.parse(p.get('since')!) : NaN;
  const until = p.get('until') ? Date.parse(p.get('until')!) : NaN;
  const ts = p.get('ts') ? Date.parse(p.get('ts')!) : NaN;
  if (!Number.isNaN(since) || !Number.isNaN(until)) {
    return { facets, q, window: 'custom', since: Number.isNaN(since) ? null : since, until: Number.isNaN(until) ? null : until };
  }
  if (!Number.isNaN(ts)) return { facets, q, window: 'custom', since: ts - 30 * 60_000, until: ts + 30 * 60_000 };
  const w = p.get('window');
  const window = WINDOWS.some((x) => x.key === w) ? (w as WindowKey) : DEFAULT_WINDOW;
  return { facets, q, window, since: null, until: null };
}

/** Writes filters into the URL, keeping unrelated params (?event=). */
export function applyFilters(p: URLSearchParams, f: EventFilters): URLSearchParams {
  const n = new URLSearchParams(p);
  for (const x of FACETS) {
    n.delete(x.key);
    for (const v of f.facets[x.key] ?? []) n.append(x.key, v);
  }
  if (f.q) n.set('q', f.q);
  else n.delete('q');
  n.delete('ts');
  if (f.window === 'custom') {
    n.delete('window');
    if (f.since !== null) n.set('since', new Date(f.since).toISOString());
    else n.delete('since');
    if (f.until !== null) n.set('until', new Date(f.until).toISOString());
    else n.delete('until');
  } else {
    n.delete('since');
    n.delete('until');
    if (f.window === DEFAULT_WINDOW) n.delete('window');
    else n.set('window', f.window);
  }
  return n;
}

/** Absolute range for a query made now. A relative window has no upper bound (live rows fit). */
export function resolveRange(f: EventFilters, now = Date.now()): { since: number | null; until: number | null } {
  if (f.window === 'custom') return { since: f.since, until: f.until };
  const w = WINDOWS.find((x) => x.key === f.window)!;
  return { since: now - w.ms, until: null };
}

export function toQuery(f: EventFilters, now = Date.now()): EventQuery {
  const q: EventQuery = {};
  for (const x of FACETS) {
    const v = f.facets[x.key];
    if (v?.length) q[x.param] = v;
  }
  if (f.q) q.q = f.q;
  const r = resolveRange(f, now);
  if (r.since !== null) q.since = new Date(r.since).toISOString();
  if (r.until !== null) q.until = new Date(r.until).toISOString();
  return q;
}

/** The same filters without one facet (its own counts must not be narrowed by itself). */
export function withoutFacet(f: EventFilters, k: FacetKey): EventFilters {
  const facets = { ...f.facets };
  delete facets[k];
  return { ...f, facets };
}

export function filtersKey(f: EventFilters): string {
  return JSON.stringify([f.facets, f.q, f.window, f.since, f.until]);
}

export function activeFilterCount(f: EventFilters): number {
  return Object.values(f.facets).reduce((n, v) => n + (v?.length ?? 0), 0) + (f.q ? 1 : 0);
}
