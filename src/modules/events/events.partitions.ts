import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client.js';
import { TIMESTAMP_SQL_FORMAT } from './events.canonical.js';

/**
 * Which months get a partition of their own (docs/events.md "Partitions"): any month from
 * PARTITION_MONTHS_BACK before this one to PARTITION_MONTHS_AHEAD after it that receives events.
 * There is no retention setting, so "back" bounds how much history a backfill lays out by month;
 * events further off (an agent with a wrong clock) stay in the default partition.
 */
export const PARTITION_MONTHS_BACK = 13;
export const PARTITION_MONTHS_AHEAD = 3;
/** Parked rows moved per slice: one slice is one short transaction on the leader. */
export const PARKED_SLICE_ROWS = 50_000;
/** Slices per run of the partition job (the rest waits for the next run). */
export const PARKED_SLICES_PER_RUN = 20;
/** How long ingest trusts a "parked" answer before it asks again. */
const PARKED_RECHECK_MS = 30_000;

/** `YYYY-MM` of a UTC month `offset` months from `now`. */
function monthKey(now: Date, offset: number): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
  return d.toISOString().slice(0, 7);
}

const monthStart = (key: string) => `${key}-01T00:00:00Z`;

/**
 * Ingest's side: before a batch is inserted, each month it touches that has no partition yet
 * (within the bounds) gets one when that is cheap (no parked rows: an empty CREATE + ATTACH).
 * A month with parked rows is left to the leader's bounded slices (`moveParkedEvents`) and the
 * batch lands in the default partition meanwhile, still read and deduplicated. The answer per
 * month is remembered, so the hot path is a Set lookup per distinct month of the batch.
 */
export function createPartitionGuard(database: Database, now: () => Date) {
  const known = new Set<string>();
  const parkedUntil = new Map<string, number>();
  return {
    async ensureMonths(rows: readonly { timestamp: string }[]): Promise<void> {
      const months = new Set<string>();
      for (const r of rows) months.add(r.timestamp.slice(0, 7));
      const at = now();
      const lo = monthKey(at, -PARTITION_MONTHS_BACK);
      const hi = monthKey(at, PARTITION_MONTHS_AHEAD);
      for (const m of months) {
        if (known.has(m) || m < lo || m > hi || (parkedUntil.get(m) ?? 0) > at.getTime()) continue;
        const [row] = await database.rows<{ state: string }>(sql`SELECT ensure_event_month(${monthStart(m)}::timestamptz) AS state`);
        if (row?.state === 'parked') parkedUntil.set(m, at.getTime() + PARKED_RECHECK_MS);
        else known.add(m);
      }
    },
  };
}

interface SlicePlan {
  month_part: string;
  month_start: string;
  month_end: string;
  from_ts: string;
  cut: string | null;
  next_ts: string | null;
  slice_part: string;
}

/**
 * The leader's side: moves rows parked in the default partition (within the bounds) into
 * partitions of their month, oldest month first, at most `sliceRows` rows per transaction. A
 * month whose parked rows fit in one slice gets its ordinary whole-month partition; a bigger one
 * is cut into consecutive slice partitions (`events_YYYY_MM_p<epoch µs>`) that end at the month's
 * end. Returns the partitions created and the rows moved.
 */
export async function moveParkedEvents(
  database: Database,
  now: Date,
  opts: { monthsBack?: number; monthsAhead?: number; sliceRows?: number; maxSlices?: number } = {},
): Promise<{ partitions: number; moved: number }> {
  const lo = monthStart(monthKey(now, -(opts.monthsBack ?? PARTITION_MONTHS_BACK)));
  const hi = monthStart(monthKey(now, (opts.monthsAhead ?? PARTITION_MONTHS_AHEAD) + 1));
  const sliceRows = opts.sliceRows ?? PARKED_SLICE_ROWS;
  let partitions = 0;
  let moved = 0;
  for (let i = 0; i < (opts.maxSlices ?? PARKED_SLICES_PER_RUN); i++) {
    const [plan] = await database.rows<SlicePlan>(planSlice(lo, hi, sliceRows));
    if (!plan) break;
    // A cut equal to the start means more than a slice of rows share one instant: take them all.
    const to = plan.cut === null ? plan.month_end : plan.cut === plan.from_ts ? (plan.next_ts ?? plan.month_end) : plan.cut;
    if (plan.from_ts === plan.month_start && to === plan.month_end) {
      await database.rows(sql`SELECT create_event_partition_if_needed(${plan.month_start}::timestamptz)`);
    } else {
      const [r] = await database.rows<{ n: number | string }>(
        sql`SELECT move_parked_event_slice(${plan.from_ts}::timestamptz, ${to}::timestamptz, ${plan.slice_part}) AS n`,
      );
      moved += Math.max(0, Number(r?.n ?? 0));
    }
    partitions++;
  }
  return { partitions, moved };
}

/**
 * The next slice: the oldest month with parked rows in [lo, hi), where its slices so far end
 * (or its start), and the timestamp `sliceRows` parked rows further (null: the rest fits).
 * Every lookup on the default partition is on its timestamp index (migration 0007).
 */
function planSlice(lo: string, hi: string, sliceRows: number) {
  const ts = (col: string) => sql.raw(`to_char(${col} AT TIME ZONE 'UTC', '${TIMESTAMP_SQL_FORMAT}')`);
  return sql`
    WITH m AS (
      SELECT date_trunc('month', min("timestamp") AT TIME ZONE 'UTC') AS mo FROM events_default
      WHERE "timestamp" >= ${lo}::timestamptz AND "timestamp" < ${hi}::timestamptz
    ), b AS (
      SELECT 'events_' || to_char(mo, 'YYYY_MM') AS month_part, mo AT TIME ZONE 'UTC' AS m_start,
             (mo + interval '1 month') AT TIME ZONE 'UTC' AS m_end
      FROM m WHERE mo IS NOT NULL
    ), f AS (
      SELECT b.*, COALESCE((
        SELECT max((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz)
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'events'::regclass AND c.relname LIKE b.month_part || '\\_p%'
      ), b.m_start) AS f_ts FROM b
    ), c AS (
      SELECT f.*,
        (SELECT "timestamp" FROM events_default WHERE "timestamp" >= f.f_ts AND "timestamp" < f.m_end
         ORDER BY "timestamp" OFFSET ${sliceRows} LIMIT 1) AS cut_ts
      FROM f
    )
    SELECT month_part, ${ts('m_start')} AS month_start, ${ts('m_end')} AS month_end, ${ts('f_ts')} AS from_ts,
      ${ts('cut_ts')} AS cut,
      (SELECT ${ts('min("timestamp")')} FROM events_default WHERE "timestamp" > c.cut_ts AND "timestamp" < c.m_end) AS next_ts,
      month_part || '_p' || (extract(epoch FROM f_ts) * 1000000)::bigint AS slice_part
    FROM c`;
}
