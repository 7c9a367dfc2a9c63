// The Events list as a bounded window of rows (no React here, so it is unit-tested on its own:
// tests/unit/event-window.test.ts), bounded in both directions:
// - Up (newer): live arrivals are a number until the reader asks for them; "show new" then either
//   merges every one of them on top (cutting the oldest rows off the end; paging back fetches them
//   again, so there is no gap) or, past MERGE_LIMIT, restarts the list at the newest event with a
//   marker saying how many arrived since when.
// - Down (older): paging back appends below and, past MAX_ROWS, cuts the newest rows off the top;
//   the page then says how many newer rows it let go and offers "jump to newest".
// Either way no event is skipped silently, and the list never holds more than MAX_ROWS rows.

/** "Show new" pages through at most this many new rows; beyond it, it jumps to the newest. */
export const MERGE_LIMIT = 2000;
/** Rows a merge keeps (the newest); older ones are dropped and paged back in on scroll, by time. */
export const MAX_ROWS = 20_000;

export interface WindowRow {
  id: string;
  /** Normalised ISO timestamp (newest first in every list here). */
  timestamp: string;
}

/** The marker a jump leaves: `count` events had arrived after `since` when the list restarted. */
export interface GapMarker {
  count: number;
  since: string;
}

/** What "show new" does for `count` events newer than the newest row shown. */
export function showNewPlan(count: number, mergeLimit = MERGE_LIMIT): 'none' | 'merge' | 'jump' {
  if (count <= 0) return 'none';
  return count > mergeLimit ? 'jump' : 'merge';
}

/**
 * `fresh` (newest first, possibly overlapping what is shown) on top of `rows`, cut to the newest
 * `max`. `dropped` are the ids cut off the end (the caller forgets them, so paging back fetches
 * them again); `resumeFrom` is the timestamp paging back continues from when rows were cut (the
 * last row kept), else null (the paging position is unchanged).
 */
export function mergeOnTop<T extends WindowRow>(
  fresh: readonly T[],
  rows: readonly T[],
  max = MAX_ROWS,
): { rows: T[]; added: number; dropped: string[]; resumeFrom: string | null } {
  const shown = new Set(rows.map((r) => r.id));
  const seen = new Set<string>();
  const top: T[] = [];
  for (const r of fresh) {
    if (shown.has(r.id) || seen.has(r.id)) continue;
    seen.add(r.id);
    top.push(r);
  }
  const all = top.length ? [...top, ...rows] : [...rows];
  if (all.length <= max) return { rows: all, added: top.length, dropped: [], resumeFrom: null };
  const kept = all.slice(0, max);
  return { rows: kept, added: top.length, dropped: all.slice(max).map((r) => r.id), resumeFrom: kept[kept.length - 1]!.timestamp };
}

/**
 * `older` (newest first, all older than the rows shown) appended below `rows`, the window then cut
 * to `max` by dropping its newest rows: the reader is paging back and has left them behind.
 * `dropped` are the ids cut off the top (the caller forgets them and counts them for its marker).
 */
export function appendBelow<T extends WindowRow>(rows: readonly T[], older: readonly T[], max = MAX_ROWS): { rows: T[]; dropped: string[] } {
  if (older.length === 0 && rows.length <= max) return { rows: rows as T[], dropped: [] };
  const all = [...rows, ...older];
  if (all.length <= max) return { rows: all, dropped: [] };
  const cut = all.length - max;
  return { rows: all.slice(cut), dropped: all.slice(0, cut).map((r) => r.id) };
}

/** How many of `rows` (newest first) share the first row's timestamp. */
export function countAtNewest(rows: readonly WindowRow[]): number {
  const t = rows[0]?.timestamp;
  let n = 0;
  while (n < rows.length && rows[n]!.timestamp === t) n++;
  return n;
}
