import { sseFrame } from './stream.sse.js';

/**
 * How one agent stream wants its events (sdk-contract-v2.md 2.2). The pre-rename SDKs on
 * `/api/v1/stream` get `contract_update` with the ContractBundle rendering; on `/v1/stream`:
 * - Python: `contract_update` with the Ruleset rendering, assignments as `assignment_changed`;
 * - Go: `contract_update` only, an assignment being `{"_assignment_changed": true, bundle_name}`;
 * - TypeScript: `ruleset_updated {name, version}` for every ruleset deployed to its env, after
 *   which it re-fetches `/v1/rulesets/{name}/current`; it has no server-assigned mode.
 */
export type StreamDialect = 'contract_bundle' | 'ruleset_py' | 'ruleset_go' | 'ruleset_ts';

/** Where the bus carries the Ruleset rendering inside a `contract_update` (stripped before sending). */
export const RULESET_FIELD = '_ruleset';
/**
 * Agents a `contract_update` is not for (they have a break-glass switch of their own and get
 * their own message next, modules/breakglass/served-bundle.ts). Stripped before sending.
 */
export const EXCEPT_AGENTS_FIELD = '_except_agents';

/** Whether a `contract_update` bus payload excludes this agent. */
export function excludesAgent(data: Record<string, unknown>, agentId: string): boolean {
  const except = data[EXCEPT_AGENTS_FIELD];
  return Array.isArray(except) && except.includes(agentId);
}

export interface RulesetFields {
  yaml_bytes: string;
  revision_hash: string;
  signature: string;
  signature_hex: string;
}

/**
 * Py and Go both send `env` on `/v1/stream`, TS sends no query at all. Python's SSE client adds
 * `Cache-Control: no-store`, Go's does not; when that header is lost on the way, Python is taken
 * for Go, and Go's assignment event works for Python too (its watcher checks the flag on every
 * item), so the guess can only fail safe.
 */
export function dialectOf(query: Record<string, unknown>, headers: Record<string, unknown>): StreamDialect {
  if (query.env === undefined) return 'ruleset_ts';
  const cc = headers['cache-control'];
  return typeof cc === 'string' && cc.toLowerCase().includes('no-store') ? 'ruleset_py' : 'ruleset_go';
}

/** TS connections hear about every ruleset of their env (TS filters by name itself). */
export const wantsEveryBundle = (d: StreamDialect): boolean => d === 'ruleset_ts';

export interface DialectFrame {
  frame: Buffer;
  /** The revision the agent runs once it loads this frame (for push-on-connect comparisons). */
  revision?: string | undefined;
}

function withoutRuleset(data: Record<string, unknown>): Record<string, unknown> {
  if (!(RULESET_FIELD in data) && !(EXCEPT_AGENTS_FIELD in data)) return data;
  const { [RULESET_FIELD]: _dropped, [EXCEPT_AGENTS_FIELD]: _except, ...rest } = data;
  return rest;
}

/**
 * The frame a `contract_update` payload becomes for `dialect`; null when this generation cannot
 * load the bundle (no Ruleset rendering) or the dialect takes no such event.
 */
export function updateFrameFor(dialect: StreamDialect, id: string | null, data: Record<string, unknown>): DialectFrame | null {
  const base = withoutRuleset(data);
  if (dialect === 'contract_bundle') {
    return { frame: sseFrame(id, 'contract_update', base), revision: str(base.revision_hash) };
  }
  const ruleset = data[RULESET_FIELD] as RulesetFields | null | undefined;
  if (!ruleset) return null;
  if (dialect === 'ruleset_ts') {
    const version = typeof base.version === 'number' && base.version >= 1 ? base.version : undefined;
    return { frame: sseFrame(id, 'ruleset_updated', { name: base.bundle_name, ...(version ? { version } : {}) }) };
  }
  return { frame: sseFrame(id, 'contract_update', { ...base, ...ruleset }), revision: ruleset.revision_hash };
}

/** The assignment event for `dialect` (null: the dialect has none, or an un-assignment Go would reject). */
export function assignmentFrameFor(dialect: StreamDialect, id: string | null, data: Record<string, unknown>): Buffer | null {
  const bundle = str(data.bundle_name);
  if (dialect === 'contract_bundle' || dialect === 'ruleset_py') return sseFrame(id, 'assignment_changed', data);
  if (dialect === 'ruleset_go' && bundle) return sseFrame(id, 'contract_update', { _assignment_changed: true, bundle_name: bundle });
  return null;
}

/**
 * Server-assigned mode on connect (sdk-contract-v2.md 2.2): Py and Go wait 30 s for a first
 * reload, and the one payload both act on is the flagged `contract_update`; they then fetch
 * `/current` themselves.
 */
export function connectAssignmentFrame(dialect: StreamDialect, id: string | null, bundle: string): Buffer | null {
  if (dialect !== 'ruleset_py' && dialect !== 'ruleset_go') return null;
  return sseFrame(id, 'contract_update', { _assignment_changed: true, bundle_name: bundle });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
