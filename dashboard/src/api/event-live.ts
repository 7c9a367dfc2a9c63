// Live arrivals on the Events page, kept as a number rather than rows: the count of events newer
// than the newest row shown comes from the server (the histogram's counts, exact), so it stays
// right at any rate, and the browser holds no rows until the reader asks for them.
import { getHistogram, listEvents } from './events';
import type { AuditEvent, EventQuery } from './types';

import { MERGE_LIMIT } from './event-window';

export { countAtNewest, MERGE_LIMIT } from './event-window';
const PAGE = 500;

/** The filters of a list query, without its paging and window (the count sets its own window). */
function filtersOf(q: EventQuery): EventQuery {
  const { cursor: _c, limit: _l, since: _s, until: _u, ...rest } = q;
  return rest;
}

/**
 * Events matching `base` at or after `newest`, minus the `atNewest` of them already shown (rows
 * that share the newest timestamp). Events stamped up to an hour ahead (an agent's fast clock)
 * count too.
 */
export async function countNewer(base: EventQuery, newest: string, atNewest: number, signal?: AbortSignal): Promise<number> {
  const until = new Date(Date.now() + 3_600_000).toISOString();
  const buckets = await getHistogram({ ...filtersOf(base), since: newest, until, bucket_seconds: 86_400 }, signal);
  let n = 0;
  for (const b of buckets) n += b.allowed + b.denied + b.pending + b.observed;
  return Math.max(0, n - atNewest);
}

/** Every event matching `base` at or after `newest` not in `seen`, newest first (cursor paging). */
export async function fetchNewer(
  base: EventQuery,
  newest: string,
  seen: Set<string>,
  signal?: AbortSignal,
): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let cursor: string | null = null;
  const q: EventQuery = { ...filtersOf(base), since: newest, limit: PAGE };
  for (let i = 0; i < Math.ceil(MERGE_LIMIT / PAGE) * 4; i++) {
    const page = await listEvents(cursor ? { ...q, cursor } : q, signal);
    for (const e of page.events) if (!seen.has(e.id)) out.push(e);
    if (!page.nextCursor || out.length >= MERGE_LIMIT * 2) break;
    cursor = page.nextCursor;
  }
  return out;
}
