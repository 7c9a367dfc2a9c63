import { sql, type SQL } from 'drizzle-orm';
import type { FacetName } from './events.schemas.js';

/**
 * The filters every event read accepts (list, facets, histogram), as SQL over the `events`
 * table. Values within one filter OR together (`verdict IN (...)`), filters AND together.
 */
export interface EventFilter {
  tenantId: string;
  /** An API key sees its own env only. */
  scopeEnv: string | null;
  agentId?: string[] | undefined;
  toolName?: string[] | undefined;
  verdict?: string[] | undefined;
  mode?: string[] | undefined;
  env?: string[] | undefined;
  /** decision_name */
  contract?: string[] | undefined;
  /** payload.session_id and payload.workflow.name (current SDKs, sdk-contract-v2.md 2.3). */
  sessionId?: string[] | undefined;
  workflow?: string[] | undefined;
  /** Normalised ISO timestamps; since inclusive, until inclusive unless `untilExclusive`. */
  since?: string | undefined;
  until?: string | undefined;
  untilExclusive?: boolean;
}

/** Facet name -> filter key and column. */
export const FACET_COLUMNS: Record<FacetName, { key: keyof EventFilter; column: SQL }> = {
  agent_id: { key: 'agentId', column: sql.raw('agent_id') },
  tool_name: { key: 'toolName', column: sql.raw('tool_name') },
  verdict: { key: 'verdict', column: sql.raw('verdict') },
  mode: { key: 'mode', column: sql.raw('mode') },
  env: { key: 'env', column: sql.raw('env') },
  decision_name: { key: 'contract', column: sql.raw('decision_name') },
};

export function inList(column: SQL, values: string[]): SQL {
  const unique = [...new Set(values)];
  if (unique.length === 1) return sql`${column} = ${unique[0]}`;
  return sql`${column} IN (${sql.join(
    unique.map((v) => sql`${v}`),
    sql`, `,
  )})`;
}

/** Tenant, env scope and time window: the part of a filter that is not a facet. */
export function baseConditions(f: EventFilter): SQL[] {
  const out: SQL[] = [sql`tenant_id = ${f.tenantId}::uuid`];
  if (f.scopeEnv !== null) out.push(sql`env = ${f.scopeEnv}`);
  if (f.since) out.push(sql`"timestamp" >= ${f.since}::timestamptz`);
  if (f.sessionId?.length) out.push(inList(sql`(payload->>'session_id')`, f.sessionId));
  if (f.workflow?.length) out.push(inList(sql`(payload->'workflow'->>'name')`, f.workflow));
  if (f.until) out.push(f.untilExclusive ? sql`"timestamp" < ${f.until}::timestamptz` : sql`"timestamp" <= ${f.until}::timestamptz`);
  return out;
}

/** The condition of one facet's filter, or null when that filter is not set. */
export function facetCondition(f: EventFilter, facet: FacetName): SQL | null {
  const { key, column } = FACET_COLUMNS[facet];
  const values = f[key] as string[] | undefined;
  return values && values.length > 0 ? inList(column, values) : null;
}

export function facetConditions(f: EventFilter, except?: FacetName): SQL[] {
  const out: SQL[] = [];
  for (const facet of Object.keys(FACET_COLUMNS) as FacetName[]) {
    if (facet === except) continue;
    const c = facetCondition(f, facet);
    if (c) out.push(c);
  }
  return out;
}

export const and = (parts: SQL[]): SQL => (parts.length === 0 ? sql`TRUE` : sql.join(parts, sql` AND `));

/** Every condition of the filter. */
export function whereOf(f: EventFilter): SQL {
  return and([...baseConditions(f), ...facetConditions(f)]);
}

/** `ILIKE` pattern matching `q` literally anywhere (backslash is the default LIKE escape). */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The free-text match: the event's identifiers and its payload as JSON text, case-insensitive.
 * The same expression as the trigram index `ix_events_search` (migration 0013): keep them identical,
 * or the planner cannot use the index.
 */
export function textMatch(q: string): SQL {
  return sql`(call_id || ' ' || agent_id || ' ' || tool_name || ' ' || verdict || ' ' || coalesce(payload::text, '')) ILIKE ${likePattern(q)}`;
}

/**
 * Whether the trigram index can answer a search for `q`: pg_trgm takes trigrams from runs of
 * letters and digits, so a term without a run of three (`a_b`, `%`) has none and the index would
 * be read whole. Such terms keep the bounded walk. (ASCII only: what counts as a letter beyond it
 * depends on the database's locale.)
 */
export const trigramSearchable = (q: string) => /[A-Za-z0-9]{3}/.test(q);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID_RE.test(s);
