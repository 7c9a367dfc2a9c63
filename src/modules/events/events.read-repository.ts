import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { TIMESTAMP_SQL_FORMAT } from './events.canonical.js';
import { and, baseConditions, facetConditions, FACET_COLUMNS, textMatch, whereOf, type EventFilter } from './events.filters.js';
import { FACET_NAMES, type FacetName } from './events.schemas.js';

export interface EventRow {
  id: string;
  call_id: string;
  agent_id: string;
  tool_name: string;
  verdict: string;
  mode: string;
  env: string | null;
  payload: Record<string, unknown> | null;
  /** Normalised ISO text (microseconds): exact, unlike a JS Date, so cursors never skip a row. */
  ts: string;
  created: string;
}

/** A keyset position: events strictly older than (ts, id) in (timestamp desc, id desc) order. */
export interface Position {
  ts: string;
  id: string;
}

const FMT = sql.raw(`'${TIMESTAMP_SQL_FORMAT}'`);
// The output column `id` is text; ORDER BY names `events.id` so it sorts by the uuid column, in
// the order of ix_events_tenant_ts, not by the text alias (which would add a sort step).
const COLUMNS = sql`id::text AS id, call_id, agent_id, tool_name, verdict, mode, env, payload,
  to_char("timestamp" AT TIME ZONE 'UTC', ${FMT}) AS ts, to_char(created_at AT TIME ZONE 'UTC', ${FMT}) AS created`;

// Written as `ts <= x AND (ts < x OR id < y)` rather than a row comparison: the first half is an
// index condition on every (tenant, <filter>, timestamp) index, not only on (tenant, timestamp, id).
const before = (p: Position | null): SQL[] =>
  p ? [sql`"timestamp" <= ${p.ts}::timestamptz`, sql`("timestamp" < ${p.ts}::timestamptz OR id < ${p.id}::uuid)`] : [];

type HistogramRow = { bucket_start: string; verdict: string; mode: string; n: number | string };
/** Epoch-aligned histogram buckets (the same on both histogram paths), and their label. */
const bucketOf = (seconds: number, column: SQL): SQL =>
  sql`date_bin(make_interval(secs => ${seconds}), ${column}, timestamptz '1970-01-01 00:00:00+00')`;
const BUCKET_START = sql.raw(`to_char(b AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`);

export const eventsReadRepository = {
  /** Newest first, `limit` rows older than `after`. */
  page(database: Database, f: EventFilter, after: Position | null, limit: number): Promise<EventRow[]> {
    return database.rows<EventRow>(
      sql`SELECT ${COLUMNS} FROM events WHERE ${and([whereOf(f), ...before(after)])}
          ORDER BY "timestamp" DESC, events.id DESC LIMIT ${limit}`,
    );
  },

  /** Events whose id or call_id is exactly `key` (both indexed: the primary key, the dedup key). */
  byIdOrCallId(database: Database, f: EventFilter, key: string, after: Position | null, limit: number): Promise<EventRow[]> {
    return database.rows<EventRow>(
      sql`SELECT ${COLUMNS} FROM events WHERE ${and([whereOf(f), ...before(after)])} AND (id = ${key}::uuid OR call_id = ${key})
          ORDER BY "timestamp" DESC, events.id DESC LIMIT ${limit}`,
    );
  },

  /**
   * Free-text search driven by the trigram index (migration 0013): the `limit` newest matches
   * older than `after`. The planner reads the index for a rare term (a bitmap of the matching
   * rows, then a top-N sort) and walks the time index for a common one; the service calls this
   * only after a bounded walk found too few matches, i.e. for terms that are rare near `after`.
   */
  searchIndexed(database: Database, f: EventFilter, q: string, after: Position | null, limit: number): Promise<EventRow[]> {
    return database.rows<EventRow>(
      sql`SELECT ${COLUMNS} FROM events WHERE ${and([whereOf(f), ...before(after), textMatch(q)])}
          ORDER BY "timestamp" DESC, events.id DESC LIMIT ${limit}`,
    );
  },

  /**
   * Free-text search with a bounded cost: walks at most `budget` filtered events (newest first,
   * from `after`), returns the first `limit` that match, plus the last position walked and how
   * many were walked so the caller can hand out a cursor to continue the search further back.
   */
  async search(
    database: Database,
    f: EventFilter,
    q: string,
    after: Position | null,
    limit: number,
    budget: number,
  ): Promise<{ hits: EventRow[]; walked: number; last: Position | null }> {
    const rows = await database.rows<EventRow & { kind: 'hit' | 'tail'; walked: number | string }>(
      sql`WITH walked AS MATERIALIZED (
            SELECT "timestamp" AS t, id AS i, ${textMatch(q)} AS hit FROM events
            WHERE ${and([whereOf(f), ...before(after)])}
            ORDER BY "timestamp" DESC, id DESC LIMIT ${budget}
          ), hits AS (
            SELECT t, i FROM walked WHERE hit ORDER BY t DESC, i DESC LIMIT ${limit}
          )
          SELECT 'hit' AS kind, 0 AS walked, ${COLUMNS} FROM (
            SELECT e.* FROM hits JOIN events e ON e.id = hits.i AND e."timestamp" = hits.t AND e.tenant_id = ${f.tenantId}::uuid
            ORDER BY e."timestamp" DESC, e.id DESC
          ) e
          UNION ALL
          SELECT 'tail', (SELECT count(*) FROM walked), w.i::text, '', '', '', '', '', NULL, NULL,
                 to_char(w.t AT TIME ZONE 'UTC', ${FMT}), ''
          FROM (SELECT t, i FROM walked ORDER BY t ASC, i ASC LIMIT 1) w`,
    );
    const hits = rows.filter((r) => r.kind === 'hit');
    const tail = rows.find((r) => r.kind === 'tail');
    return { hits, walked: Number(tail?.walked ?? 0), last: tail ? { ts: tail.ts, id: tail.id } : null };
  },

  /**
   * Counts per value of each facet over the newest `cap` events of the window (with `q`: the newest
   * `cap` matching events, found through the trigram index when the term is rare). Each facet is
   * counted with every filter except its own (multi-select faceting: the dashboard ORs values
   * within a facet, so it needs the counts of the values it has not chosen yet).
   */
  async facets(database: Database, f: EventFilter, q: string | null, cap: number, top: number, indexed = true) {
    // Without the index (a term with no trigram, or no index) the newest `cap` events are scanned
    // and the matches among them counted, so the cost stays bounded.
    const scanned = q !== null && !indexed;
    const count = (facet: FacetName) => {
      const conds = facetConditions(f, facet);
      if (scanned) conds.push(sql`hit`);
      return conds.length === 0 ? sql`count(*)` : sql`count(*) FILTER (WHERE ${and(conds)})`;
    };
    const grouped = FACET_NAMES.map((name) => sql`GROUPING(${FACET_COLUMNS[name].column}) = 0`);
    const whichFacet = sql.join(
      FACET_NAMES.map((name, i) => sql`WHEN ${grouped[i]} THEN ${name}`),
      sql` `,
    );
    const whichCount = sql.join(
      FACET_NAMES.map((name, i) => sql`WHEN ${grouped[i]} THEN ${count(name)}`),
      sql` `,
    );
    const cols = sql.raw(FACET_NAMES.join(', '));
    // One pass: a grouping set per facet plus the empty set (how many events were scanned).
    // The scan reads only columns of ix_events_tenant_ts, so it is an index-only scan.
    return database.rows<{ facet: FacetName | '_'; value: string | null; n: number | string }>(
      sql`SELECT facet, value, n FROM (
            SELECT facet, value, n, row_number() OVER (PARTITION BY facet ORDER BY n DESC, value) AS rn FROM (
              SELECT CASE ${whichFacet} ELSE '_' END AS facet, COALESCE(${cols}) AS value, CASE ${whichCount} ELSE count(*) END AS n
              FROM (
                SELECT ${cols}, ${scanned ? textMatch(q) : sql`TRUE`} AS hit FROM events
                WHERE ${and([...baseConditions(f), ...(q && !scanned ? [textMatch(q)] : [])])}
                ORDER BY "timestamp" DESC LIMIT ${cap}
              ) base
              GROUP BY GROUPING SETS (${sql.raw(FACET_NAMES.map((c) => `(${c})`).join(', '))}, ())
            ) g WHERE facet = '_' OR (value IS NOT NULL AND n > 0)
          ) r WHERE rn <= ${top}`,
    );
  },

  /**
   * Counts per epoch-aligned bucket, verdict and mode, since <= timestamp < until; the caller
   * classifies (few groups, so one hash aggregate over an index-only scan, no per-row CASE).
   */
  histogram(database: Database, f: EventFilter, bucketSeconds: number) {
    const where = whereOf({ ...f, untilExclusive: true });
    return database.rows<HistogramRow>(
      sql`SELECT ${BUCKET_START} AS bucket_start, verdict, mode, count(*) AS n
          FROM (SELECT ${bucketOf(bucketSeconds, sql`"timestamp"`)} AS b, verdict, mode FROM events WHERE ${where}) x
          GROUP BY b, verdict, mode`,
    );
  },

  /**
   * The histogram of a search over its newest `cap + 1` matches: `matched` says how many were
   * found (more than `cap`: the answer is cut), `oldest` the oldest match counted. The newest
   * `cap` are counted, so a cut answer is exact from `oldest` on and misses what lies before it.
   */
  histogramSearched(database: Database, f: EventFilter, q: string, bucketSeconds: number, cap: number, scan: number | null) {
    const where = whereOf({ ...f, untilExclusive: true });
    // Indexed: the newest cap + 1 matches. Not (`scan` set): the newest `scan` events, matched.
    const source =
      scan === null
        ? sql`SELECT "timestamp" AS t, verdict, mode, TRUE AS hit FROM events WHERE ${and([where, textMatch(q)])} ORDER BY "timestamp" DESC LIMIT ${cap + 1}`
        : sql`SELECT "timestamp" AS t, verdict, mode, ${textMatch(q)} AS hit FROM events WHERE ${where} ORDER BY "timestamp" DESC LIMIT ${scan}`;
    return database.rows<HistogramRow & { matched: number | string; scanned: number | string; scanned_to: string | null; oldest: string | null }>(
      sql`WITH s AS MATERIALIZED (${source}),
          m AS MATERIALIZED (SELECT t, verdict, mode FROM s WHERE hit ORDER BY t DESC LIMIT ${cap + 1}),
          kept AS (SELECT t, verdict, mode FROM m ORDER BY t DESC LIMIT ${cap}),
          meta AS (SELECT (SELECT count(*) FROM m) AS matched, (SELECT count(*) FROM s) AS scanned,
                          (SELECT to_char(min(t) AT TIME ZONE 'UTC', ${FMT}) FROM s) AS scanned_to)
          SELECT ${BUCKET_START} AS bucket_start, verdict, mode, count(*) AS n, (SELECT matched FROM meta) AS matched,
                 (SELECT scanned FROM meta) AS scanned, (SELECT scanned_to FROM meta) AS scanned_to,
                 to_char(min(t) AT TIME ZONE 'UTC', ${FMT}) AS oldest
          FROM (SELECT ${bucketOf(bucketSeconds, sql`t`)} AS b, t, verdict, mode FROM kept) x
          GROUP BY b, verdict, mode
          UNION ALL
          SELECT NULL, NULL, NULL, 0, matched, scanned, scanned_to, NULL FROM meta`,
    );
  },

  /**
   * The same counts as `histogram` from the per-minute rollup: the whole minutes
   * [lo, hi) from event_minute_counts, the partial minutes [since, lo) and [hi, until) from the
   * events, summed per bucket. Only for filters the rollup has columns for (tenant, env scope,
   * env, verdict, mode) and buckets that are whole minutes, so every minute lies in one bucket.
   * Groups whose sum is 0 (purged events) are left out, as the exact path never yields them.
   */
  histogramFromRollup(
    database: Database,
    f: EventFilter,
    bucketSeconds: number,
    lo: string,
    hi: string,
    hours: { lo: string; hi: string } | null = null,
  ) {
    const bin = (column: SQL) => bucketOf(bucketSeconds, column);
    const countsIn = (column: SQL, from: string, to: string) =>
      and([
        sql`tenant_id = ${f.tenantId}::uuid`,
        ...(f.scopeEnv !== null ? [sql`env = ${f.scopeEnv}`] : []),
        sql`${column} >= ${from}::timestamptz`,
        sql`${column} < ${to}::timestamptz`,
        ...facetConditions(f),
      ]);
    const minute = sql.raw('minute');
    // Whole hours (buckets of whole hours only) from the hour counts, the minutes around them from
    // the minute counts; each range is one index range scan.
    const rollup = hours
      ? sql`SELECT ${bin(minute)} AS b, verdict, mode, n FROM event_minute_counts WHERE ${countsIn(minute, lo, hours.lo)}
            UNION ALL
            SELECT ${bin(sql.raw('hour'))}, verdict, mode, n FROM event_hour_counts WHERE ${countsIn(sql.raw('hour'), hours.lo, hours.hi)}
            UNION ALL
            SELECT ${bin(minute)}, verdict, mode, n FROM event_minute_counts WHERE ${countsIn(minute, hours.hi, hi)}`
      : sql`SELECT ${bin(minute)} AS b, verdict, mode, n FROM event_minute_counts WHERE ${countsIn(minute, lo, hi)}`;
    const head = whereOf({ ...f, until: lo, untilExclusive: true });
    const tail = whereOf({ ...f, since: hi, untilExclusive: true });
    return database.rows<HistogramRow>(
      sql`SELECT ${BUCKET_START} AS bucket_start, verdict, mode, sum(n) AS n
          FROM (
            ${rollup}
            UNION ALL
            SELECT ${bin(sql`"timestamp"`)}, verdict, mode, 1 FROM events WHERE ${head}
            UNION ALL
            SELECT ${bin(sql`"timestamp"`)}, verdict, mode, 1 FROM events WHERE ${tail}
          ) x GROUP BY b, verdict, mode HAVING sum(n) <> 0`,
    );
  },
};

/** Postgres cancelled the statement (57014: statement_timeout), through drizzle's error wrapping. */
export function isQueryCanceled(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if ((e as { code?: unknown }).code === '57014') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * `database` whose reads each run under a statement timeout of `ms` (server Postgres: its own
 * transaction with `SET LOCAL statement_timeout`), so a caller can give up on an index path and
 * take a bounded one (`isQueryCanceled`). Why: the trigram index is fast for a term whose trigrams
 * are rare, but a term rare as a whole can be made of trigrams that are everywhere
 * (`/srv/data/2/file-0.csv` among millions of similar paths); its bitmap then covers most of the
 * window and the recheck reads it all (8.5 s at 3M events). Embedded PGlite is returned as it is.
 */
export function withStatementTimeout(database: Database, ms: number): Database {
  if (database.kind !== 'postgres') return database;
  const limit = Math.max(1, Math.floor(ms));
  return {
    ...database,
    rows: <T>(query: SQL) =>
      database.db.transaction(async (tx) => {
        await tx.execute(sql.raw(`SET LOCAL statement_timeout = ${limit}`));
        return database.rows<T>(query, tx);
      }),
  };
}

/** `run()`, or null when Postgres cancelled it for its statement timeout. */
export async function unlessTimedOut<T>(run: () => Promise<T>): Promise<T | null> {
  try {
    return await run();
  } catch (err) {
    if (isQueryCanceled(err)) return null;
    throw err;
  }
}
