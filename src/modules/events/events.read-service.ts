import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { Principal } from '../../platform/auth.js';
import { fieldError } from '../../platform/errors.js';
import { normaliseTimestamp } from './events.canonical.js';
import { isUuid, trigramSearchable, type EventFilter } from './events.filters.js';
import { wholeHours, wholeMinutes } from './events.rollup.js';
import { eventsReadRepository, unlessTimedOut, withStatementTimeout, type EventRow, type Position } from './events.read-repository.js';
import {
  FACET_NAMES,
  type EventOutT,
  type EventsQueryT,
  type FacetsOutT,
  type FacetsQueryT,
  type HistogramQueryT,
} from './events.schemas.js';

/** Events a free-text search walks per request by default (EDICTUM_EVENTS_SEARCH_SCAN); the cursor carries the search further back. */
export const SEARCH_BUDGET = 10_000;
/** How long one read may spend in the trigram index before a bounded path is taken instead (withStatementTimeout). */
export const INDEXED_SEARCH_MS = 600;
/** Events the facet counts are taken over (the newest of the window). */
export const FACET_SCAN_LIMIT = 100_000;
export const FACET_TOP = 50;
/** Matches a searched histogram or facet count covers by default (EDICTUM_EVENTS_SEARCH_COUNT_CAP). */
export const SEARCH_COUNT_CAP = 20_000;

// ---------- cursor: opaque to clients, `<normalised timestamp>|<uuid>` in base64url ----------

export function encodeCursor(p: Position): string {
  return Buffer.from(`${p.ts}|${p.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  const [ts, id, ...rest] = raw.split('|');
  const n = ts ? normaliseTimestamp(ts, true) : null;
  if (rest.length > 0 || !n || n.iso !== ts || !id || !isUuid(id)) {
    throw fieldError(['query', 'cursor'], 'is not a cursor this server issued');
  }
  return { ts, id };
}

type Filters = Pick<EventsQueryT, 'agent_id' | 'tool_name' | 'verdict' | 'mode' | 'env' | 'contract' | 'since' | 'until'> &
  Partial<Pick<EventsQueryT, 'session_id' | 'workflow'>>;

export function toFilter(p: Principal, q: Filters): EventFilter {
  return {
    tenantId: p.tenantId,
    scopeEnv: p.kind === 'apiKey' ? p.env : null,
    agentId: q.agent_id,
    toolName: q.tool_name,
    verdict: q.verdict,
    mode: q.mode,
    env: q.env,
    contract: q.contract,
    sessionId: q.session_id,
    workflow: q.workflow,
    since: q.since?.iso,
    until: q.until?.iso,
  };
}

export function toEventOut(r: EventRow): EventOutT {
  return {
    id: r.id,
    call_id: r.call_id,
    agent_id: r.agent_id,
    tool_name: r.tool_name,
    verdict: r.verdict,
    mode: r.mode,
    timestamp: r.ts,
    payload: r.payload,
    created_at: r.created,
    env: r.env,
  };
}

/** A page of events and where the next one starts. */
export interface EventsPage {
  events: EventOutT[];
  /** Null at the end of the window: nothing older matches. */
  nextCursor: string | null;
  /**
   * With a cursor: the timestamp the read has covered back to (every matching event at or after
   * it, down to the cursor's position, has been returned). A search page may be empty and still
   * move this back: the client shows it as "searched back to …".
   */
  coveredTo: string | null;
}

export interface ReadServiceOptions {
  searchBudget?: number;
  /** How long one list request may spend in the trigram index before paging by walks instead. */
  indexedSearchMs?: number;
  /** Use the trigram index (0013) when the database has it (EDICTUM_EVENTS_SEARCH_INDEX). */
  searchIndex?: boolean;
  searchCountCap?: number;
}

export function createEventsReadService(database: Database, opts: ReadServiceOptions = {}) {
  const searchBudget = opts.searchBudget ?? SEARCH_BUDGET;
  /** The database for index-driven searches: each read bounded (withStatementTimeout). */
  const timed = withStatementTimeout(database, opts.indexedSearchMs ?? INDEXED_SEARCH_MS);
  const countCap = opts.searchCountCap ?? SEARCH_COUNT_CAP;
  // Whether the trigram index exists: migration 0013 leaves it out where pg_trgm is missing.
  let hasIndex: Promise<boolean> | null = null;
  const indexed = (q: string): Promise<boolean> => {
    if (opts.searchIndex === false || !trigramSearchable(q)) return Promise.resolve(false);
    hasIndex ??= database
      .rows<{ ok: boolean }>(sql`SELECT to_regclass('ix_events_search') IS NOT NULL AS ok`)
      .then(([r]) => r?.ok === true);
    return hasIndex;
  };
  const pageOf = (events: EventRow[], next: Position | null): EventsPage => ({
    events: events.map(toEventOut),
    nextCursor: next ? encodeCursor(next) : null,
    coveredTo: next ? next.ts : null,
  });
  /**
   * Counts per bucket. Without `q`, agent, tool or contract filters and with whole-minute
   * buckets, the whole minutes of the window come from the per-minute rollup, and with whole-hour
   * buckets its whole hours from the per-hour rollup (the same numbers, docs/events.md
   * "Per-minute counts"); otherwise every event of the window is counted (index-only through
   * the agent, tool or contract index). With `q` the newest `countCap` matches are counted:
   * `countedSince` is then the oldest one counted when there were more (the answer is exact
   * from there on), else null (exact). `exact` forces the event path (tests, the benchmark).
   */
  async function histogramWithCoverage(p: Principal, query: HistogramQueryT, opts: { exact?: boolean } = {}) {
    const f = toFilter(p, query);
    const q = query.q?.trim() || null;
    let countedSince: string | null = null;
    let rows: { bucket_start: string; verdict: string; mode: string; n: number | string }[];
    if (q) {
      // Through the index when the term allows it and that finishes in time; else the newest
      // countCap events are searched (labelled below).
      let useIndex = await indexed(q);
      let found = useIndex ? await unlessTimedOut(() => eventsReadRepository.histogramSearched(timed, f, q, query.bucket_seconds, countCap, null)) : null;
      if (found === null) {
        useIndex = false;
        found = await eventsReadRepository.histogramSearched(database, f, q, query.bucket_seconds, countCap, countCap);
      }
      const meta = found.find((r) => r.verdict === null);
      rows = found.filter((r) => r.verdict !== null);
      const oldest = found.reduce<string | null>((m, r) => (r.oldest !== null && (m === null || r.oldest < m) ? r.oldest : m), null);
      if (meta && Number(meta.matched) > countCap) countedSince = oldest;
      // Not indexed: the newest countCap events were searched; when the window held more, the
      // counts are exact from the oldest one searched on.
      else if (meta && !useIndex && Number(meta.scanned) >= countCap) countedSince = meta.scanned_to;
    } else {
      const minutes =
        !opts.exact && rollupCovers(f, query.bucket_seconds) ? wholeMinutes(query.since.iso, query.until.iso) : null;
      const hours = minutes && query.bucket_seconds % 3600 === 0 ? wholeHours(minutes.lo, minutes.hi) : null;
      rows = minutes
        ? await eventsReadRepository.histogramFromRollup(database, f, query.bucket_seconds, minutes.lo, minutes.hi, hours)
        : await eventsReadRepository.histogram(database, f, query.bucket_seconds);
    }
    const buckets = new Map<string, Record<HistogramClass, number>>();
    for (const r of rows) {
      const b = buckets.get(r.bucket_start) ?? { allowed: 0, denied: 0, pending: 0, observed: 0 };
      b[classify(r.verdict, r.mode)] += Number(r.n);
      buckets.set(r.bucket_start, b);
    }
    const sorted = [...buckets.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([bucket_start, c]) => ({ bucket_start, ...c }));
    return { buckets: sorted, countedSince };
  }

  return {
    /**
     * One page, newest first, and the cursor of the next page (null at the end). With `q`, a
     * page may hold fewer than `limit` events and still have a cursor: the search walked its
     * budget without reaching the end of the window and can continue from there.
     */
    async list(p: Principal, query: EventsQueryT): Promise<EventsPage> {
      const f = toFilter(p, query);
      const after = query.cursor ? decodeCursor(query.cursor) : null;
      const q = query.q?.trim() ?? '';
      const limit = query.limit;
      if (q.length > 0 && !isUuid(q)) {
        const { hits, walked, last } = await eventsReadRepository.search(database, f, q, after, limit + 1, searchBudget);
        if (hits.length > limit) {
          const page = hits.slice(0, limit);
          return pageOf(page, positionOf(page[page.length - 1]!));
        }
        if (walked < searchBudget) return pageOf(hits, null);
        // The walk ran out of budget with too few matches: the term is rare here. The trigram
        // index finds the rest of the page anywhere further back in the window, so a rare term's
        // matches come in one request instead of one request per slice.
        // Bounded too: a term whose trigrams are common everywhere makes the index read most of
        // the window; past INDEXED_SEARCH_MS the walk's page and cursor are answered instead, and
        // the dashboard pages back through the window slice by slice ("searched back to …").
        if (await indexed(q)) {
          const more = await unlessTimedOut(() => eventsReadRepository.searchIndexed(timed, f, q, last, limit + 1 - hits.length));
          if (more) {
            const all = [...hits, ...more];
            const page = all.slice(0, limit);
            return pageOf(page, all.length > limit ? positionOf(page[page.length - 1]!) : null);
          }
        }
        return pageOf(hits, last);
      }
      const rows =
        q.length > 0
          ? await eventsReadRepository.byIdOrCallId(database, f, q, after, limit + 1)
          : await eventsReadRepository.page(database, f, after, limit + 1);
      const page = rows.slice(0, limit);
      return pageOf(page, rows.length > limit ? positionOf(page[page.length - 1]!) : null);
    },

    async facets(p: Principal, query: FacetsQueryT): Promise<FacetsOutT> {
      const f = toFilter(p, query);
      const q = query.q?.trim() || null;
      // With a term the counts cover the newest `countCap` matches (the index finds rare ones).
      const cap = q ? countCap : FACET_SCAN_LIMIT;
      // A term's counts go through the index when it allows and that finishes in time; else the
      // newest `cap` events are scanned (the path for terms without trigrams, labelled the same).
      const viaIndex = q !== null && (await indexed(q)) ? await unlessTimedOut(() => eventsReadRepository.facets(timed, f, q, cap, FACET_TOP, true)) : null;
      const rows = viaIndex ?? (await eventsReadRepository.facets(database, f, q, cap, FACET_TOP, q === null));
      const facets = Object.fromEntries(
        FACET_NAMES.map((n) => [n, [] as { value: string; count: number }[]]),
      ) as FacetsOutT['facets'];
      let scanned = 0;
      for (const r of rows) {
        if (r.facet === '_') {
          if (r.value === null) scanned = Number(r.n);
        } else if (r.value !== null) {
          facets[r.facet].push({ value: r.value, count: Number(r.n) });
        }
      }
      for (const list of Object.values(facets))
        list.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      return { facets, scanned, scan_limit: cap, truncated: scanned >= cap };
    },

    /** Counts per bucket (see histogramWithCoverage). */
    async histogram(p: Principal, query: HistogramQueryT, opts: { exact?: boolean } = {}) {
      return (await histogramWithCoverage(p, query, opts)).buckets;
    },

    histogramWithCoverage,
  };
}

/** Whether the rollup has what a histogram request filters and buckets on. */
const rollupCovers = (f: EventFilter, bucketSeconds: number) =>
  !f.agentId?.length &&
  !f.toolName?.length &&
  !f.contract?.length &&
  !f.sessionId?.length &&
  !f.workflow?.length &&
  bucketSeconds % 60 === 0;

export type HistogramClass = 'allowed' | 'denied' | 'pending' | 'observed';
const DENIED = new Set(['denied', 'call_denied', 'would_deny', 'call_would_deny']);
const PENDING = new Set(['pending', 'pending_approval']);

/** The reference's classification (console-api.md 1.8), in its order; unknown verdicts count as allowed. */
export function classify(verdict: string, mode: string): HistogramClass {
  if (mode === 'observe' && (verdict === 'call_would_deny' || verdict === 'call_denied')) return 'observed';
  if (DENIED.has(verdict)) return 'denied';
  if (PENDING.has(verdict)) return 'pending';
  return 'allowed';
}

const positionOf = (r: EventRow): Position => ({ ts: r.ts, id: r.id });
