import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import type { Job } from '../../workers/scheduler.js';

/**
 * Exact per-minute event counts (`event_minute_counts`, src/db/schema.ts; docs/events.md
 * "Per-minute counts"). Append-only: statement-level triggers on `events` (migration 0004) append,
 * in the transaction of every statement that inserts, deletes or updates events, one row per
 * (minute, env, verdict, mode) group of the rows it actually inserted (+count) or deleted
 * (-count), whoever runs it. sum(n) over a key's rows is therefore always the number of events of
 * that key, in every snapshot. The compaction below merges rows; it never changes a sum.
 */

/**
 * The whole minutes [lo, hi) inside [since, until) (normalised ISO text, microseconds), or null
 * when the window holds no whole minute. Events in [since, lo) and [hi, until) are counted from
 * the events table; the minutes in between from the rollup.
 */
export function wholeMinutes(since: string, until: string): { lo: string; hi: string } | null {
  const floor = (iso: string) => Date.parse(`${iso.slice(0, 16)}:00Z`);
  const lo = since.slice(16) === ':00.000000Z' ? floor(since) : floor(since) + 60_000;
  const hi = floor(until);
  if (!(lo < hi)) return null;
  const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}.000000Z`;
  return { lo: iso(lo), hi: iso(hi) };
}

/**
 * The whole hours [lo, hi) inside the whole minutes [minLo, minHi) (ISO text as wholeMinutes
 * returns), or null when they hold no whole hour. Buckets that are whole hours read those from
 * the hour counts and the minutes on either side from the minute counts.
 */
export function wholeHours(minLo: string, minHi: string): { lo: string; hi: string } | null {
  const H = 3_600_000;
  const lo = Math.ceil(Date.parse(minLo) / H) * H;
  const hi = Math.floor(Date.parse(minHi) / H) * H;
  if (!(lo < hi)) return null;
  const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}.000000Z`;
  return { lo: iso(lo), hi: iso(hi) };
}

/** The two levels of counts (0004 minutes, 0013 hours): same shape, same compaction. */
export const COUNT_LEVELS = {
  minute: { table: sql.raw('event_minute_counts'), column: sql.raw('minute') },
  hour: { table: sql.raw('event_hour_counts'), column: sql.raw('hour') },
} as const;
export type CountLevel = keyof typeof COUNT_LEVELS;

/** Unmerged rows at least this old are merged (younger ones are likely to get siblings soon). */
export const COMPACT_AFTER_SECONDS = 120;
/** Unmerged rows taken per compaction statement, and statements per run: the bound on one run. */
export const COMPACT_BATCH = 5_000;
export const COMPACT_MAX_STATEMENTS = 20;

/**
 * One compaction statement on one level: takes up to `batch` unmerged rows older than
 * `olderThanSeconds`, deletes every row of their (tenant, minute or hour) and inserts one merged
 * row per key with the sum (none when it is 0). The delete and the insert are one statement, and
 * the insert sums exactly the rows this statement deleted (DELETE ... RETURNING), so the sums never
 * change — also when two compactions or an ingest run concurrently (a row deleted by another
 * statement first is not returned here; a row inserted after this statement's snapshot is not deleted).
 */
export async function compactOnce(
  database: Database,
  olderThanSeconds = COMPACT_AFTER_SECONDS,
  batch = COMPACT_BATCH,
  level: CountLevel = 'minute',
): Promise<{ taken: number; deleted: number; written: number }> {
  const { table, column: at } = COUNT_LEVELS[level];
  const [row] = await database.rows<{ taken: number | string; deleted: number | string; written: number | string }>(
    sql`WITH queue AS MATERIALIZED (
          SELECT tenant_id, ${at} AS at FROM ${table}
          WHERE NOT merged AND created_at < now() - make_interval(secs => ${olderThanSeconds})
          ORDER BY created_at LIMIT ${batch}
        ), keys AS MATERIALIZED (
          SELECT DISTINCT tenant_id, at FROM queue
        ), del AS (
          DELETE FROM ${table} c USING keys k
          WHERE c.tenant_id = k.tenant_id AND c.${at} = k.at
          RETURNING c.tenant_id, c.${at} AS at, c.env, c.verdict, c.mode, c.n
        ), ins AS (
          INSERT INTO ${table} (tenant_id, ${at}, env, verdict, mode, n, merged)
          SELECT tenant_id, at, env, verdict, mode, sum(n)::bigint, true FROM del
          GROUP BY tenant_id, at, env, verdict, mode HAVING sum(n) <> 0
          RETURNING 1
        ) SELECT (SELECT count(*) FROM queue) AS taken, (SELECT count(*) FROM del) AS deleted, (SELECT count(*) FROM ins) AS written`,
  );
  return { taken: Number(row?.taken ?? 0), deleted: Number(row?.deleted ?? 0), written: Number(row?.written ?? 0) };
}

/**
 * Compaction statements on each level until its queue is drained or `maxStatements` ran there
 * (bounded work per run). The totals are over both levels.
 */
export async function compactMinuteCounts(
  database: Database,
  opts: { olderThanSeconds?: number; batch?: number; maxStatements?: number } = {},
): Promise<{ statements: number; deleted: number; written: number }> {
  const batch = opts.batch ?? COMPACT_BATCH;
  const out = { statements: 0, deleted: 0, written: 0 };
  for (const level of Object.keys(COUNT_LEVELS) as CountLevel[]) {
    for (let i = 0; i < (opts.maxStatements ?? COMPACT_MAX_STATEMENTS); i++) {
      const r = await compactOnce(database, opts.olderThanSeconds ?? COMPACT_AFTER_SECONDS, batch, level);
      out.statements++;
      out.deleted += r.deleted;
      out.written += r.written;
      if (r.taken < batch) break;
    }
  }
  return out;
}

/** Leader-only: merges the per-minute and per-hour count rows every minute. */
export function minuteCountsCompactionJob(database: Database): Job {
  return {
    name: 'event_counts_compaction',
    intervalMs: 60_000,
    leaderOnly: true,
    run: async () => {
      await compactMinuteCounts(database);
    },
  };
}
