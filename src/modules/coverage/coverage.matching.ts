import { globMatch } from '../../platform/glob.js';
import { validateBundleYaml } from '../bundles/bundle-validation.js';

/**
 * Pure coverage logic (console-api.md 1.12): which contracts govern which tools. No I/O.
 */

export interface Matcher {
  contractName: string;
  contractType: string;
  mode: string;
  patterns: string[];
  bundleName: string;
  bundleVersion: number;
}

export type ToolStatus = 'enforced' | 'observed' | 'ungoverned';

export interface ToolRow {
  tool_name: string;
  event_count: number;
  last_used: string;
  deny_count?: number;
  allow_count?: number;
  observe_count?: number;
}

export interface ClassifiedTool extends ToolRow {
  status: ToolStatus;
  contract_name: string | null;
  contract_type: string | null;
  mode: string | null;
  bundle_name: string | null;
  source: 'console' | 'local' | null;
}

/** `*` matches all; a pattern with `*` or `?` is a glob; anything else must be equal. */
export function patternMatches(pattern: string, tool: string): boolean {
  if (pattern === '*') return true;
  if (pattern.includes('*') || pattern.includes('?')) {
    return globMatch(pattern, tool, { lenient: true });
  }
  return pattern === tool;
}

export function matchTool(tool: string, matchers: Matcher[]): Matcher[] {
  return matchers.filter((m) => m.patterns.some((p) => patternMatches(p, tool)));
}

/**
 * The contracts of a stored bundle, through the same validator the upload uses. A contract's
 * mode falls back to the bundle's `defaults.mode` (what the SDK enforces), not to "enforce".
 */
export function bundleMatchers(yamlText: string, bundleName: string, bundleVersion: number): Matcher[] {
  const v = validateBundleYaml(yamlText, { lenient: true });
  if (!v.ok) return [];
  return v.contracts.map((c) => ({
    contractName: c.id,
    contractType: c.type,
    mode: c.mode,
    patterns: c.tool === null ? [] : Array.isArray(c.tool) ? c.tool : [c.tool],
    bundleName,
    bundleVersion,
  }));
}

/** The manifest an agent sends with its events (local contracts), bundle "local". */
export function manifestMatchers(manifest: unknown): Matcher[] {
  if (typeof manifest !== 'object' || manifest === null) return [];
  const contracts = (manifest as { contracts?: unknown }).contracts;
  if (!Array.isArray(contracts)) return [];
  const out: Matcher[] = [];
  for (const c of contracts as unknown[]) {
    if (typeof c !== 'object' || c === null) continue;
    const r = c as Record<string, unknown>;
    if (typeof r.id !== 'string' || r.id === '') continue;
    const tool = r.tool;
    const patterns = typeof tool === 'string' ? [tool] : Array.isArray(tool) ? tool.map(String) : [];
    out.push({
      contractName: r.id,
      contractType: typeof r.type === 'string' ? r.type : 'pre',
      mode: typeof r.mode === 'string' ? r.mode : 'enforce',
      patterns,
      bundleName: 'local',
      bundleVersion: 0,
    });
  }
  return out;
}

const ORDER: Record<ToolStatus, number> = { enforced: 0, observed: 1, ungoverned: 2 };

/** Enforced if any matching contract enforces, observed if only observe ones match; stable by status. */
export function classifyTools(rows: ToolRow[], matchers: Matcher[], source: 'console' | 'local'): ClassifiedTool[] {
  const out = rows.map((row): ClassifiedTool => {
    const matched = matchTool(row.tool_name, matchers);
    if (matched.length === 0) {
      return { ...row, status: 'ungoverned', contract_name: null, contract_type: null, mode: null, bundle_name: null, source: null };
    }
    const enforcing = matched.find((m) => m.mode === 'enforce');
    const governing = enforcing ?? matched[0]!;
    return {
      ...row,
      status: enforcing ? 'enforced' : 'observed',
      contract_name: governing.contractName,
      contract_type: governing.contractType,
      mode: governing.mode,
      bundle_name: governing.bundleName,
      source,
    };
  });
  return out.sort((a, b) => ORDER[a.status] - ORDER[b.status]);
}

export function summarise(tools: { status: ToolStatus }[]) {
  const enforced = tools.filter((t) => t.status === 'enforced').length;
  const observed = tools.filter((t) => t.status === 'observed').length;
  const total = tools.length;
  return {
    total_tools: total,
    enforced,
    observed,
    ungoverned: total - enforced - observed,
    coverage_pct: total > 0 ? Math.round((enforced / total) * 100) : 100,
  };
}

const SINCE_RE = /^(\d{1,9})([hdm])$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `since` of the coverage routes: `<n>h|d|m` (n up to 3650) or an ISO date-time (or date);
 * absent means 24 h ago. Returns the instant, or an error message (the reference answers 400).
 */
export function parseSince(since: string | undefined, now: Date, parseIso: (s: string) => number | null): { at: Date } | { error: string } {
  if (since === undefined) return { at: new Date(now.getTime() - 24 * 3_600_000) };
  const m = SINCE_RE.exec(since);
  if (m) {
    const amount = Number(m[1]);
    if (amount > 3650) return { error: `Duration too large: ${since} (max 10 years)` };
    const unitMs = m[2] === 'h' ? 3_600_000 : m[2] === 'd' ? 86_400_000 : 60_000;
    return { at: new Date(now.getTime() - amount * unitMs) };
  }
  const ms = parseIso(DATE_ONLY.test(since) ? `${since}T00:00:00` : since);
  if (ms === null) return { error: `Invalid since value: ${since}` };
  return { at: new Date(ms) };
}
