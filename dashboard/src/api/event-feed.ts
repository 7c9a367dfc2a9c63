// The Events page's feed: first page, cursor paging further back, and live arrivals counted
// (the "N new" button, an exact count from the server) so rows never shift under the reader.
// The list is a bounded window of MAX_ROWS rows in both directions (event-window.ts): "show new"
// keeps the newest MAX_ROWS, paging back keeps the oldest MAX_ROWS and counts what it let go.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLiveEvent, useLiveResync } from '../live/LiveProvider';
import { countNewer, fetchNewer } from './event-live';
import { appendBelow, countAtNewest, mergeOnTop, showNewPlan, type GapMarker } from './event-window';
import { listEvents, type EventPage } from './events';
import type { AuditEvent, EventQuery } from './types';

const PAGE = 500;
const LIVE_THROTTLE_MS = 1500;
/**
 * Requests one step back may make. A search page covers a bounded slice of the window and may
 * come back empty with a cursor; one step keeps going until it finds a row or spends this many
 * requests, then the list continues by itself while its end is in view (EventTable) or, with no
 * rows yet, while the page is visible.
 */
const BURST = 6;
export { MAX_ROWS } from './event-window';

export interface EventFeed {
  rows: AuditEvent[];
  /** Events newer than the newest row shown, counted by the server (exact). */
  newCount: number;
  /** Set after "show new" jumped to the newest instead of merging (too many to page through). */
  jumped: GapMarker | null;
  /**
   * Newer rows let go while paging back (the window keeps MAX_ROWS): the list no longer starts at
   * the newest event; `reload` jumps back there.
   */
  trimmed: number;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  /** While `hasMore`: the timestamp the list has searched back to (null when the server does not say). */
  searchedUntil: string | null;
  loadMore: () => void;
  showNew: () => void;
  reload: () => void;
}

interface Position {
  /** The server's cursor; null before the first page and with servers that page by time. */
  cursor: string | null;
  /** The oldest timestamp loaded (paging by `until` when there is no cursor). */
  oldest: string | null;
}

interface Step extends Position {
  fresh: AuditEvent[];
  exhausted: boolean;
  searchedUntil: string | null;
}

/**
 * Pages back from `from` until a page brings a row not seen yet, the end, or `burst` requests;
 * `onReach` hears how far back each request got (the list shows it while it searches).
 */
async function stepBack(
  base: EventQuery,
  from: Position,
  seen: Set<string>,
  signal: AbortSignal,
  burst: number,
  onReach: (searchedUntil: string | null) => void,
  /** The first request's answer when it was already asked for (the route loader's prefetch). */
  first?: Promise<EventPage>,
): Promise<Step> {
  const fresh: AuditEvent[] = [];
  let { cursor, oldest } = from;
  let searchedUntil: string | null = null;
  for (let i = 0; i < burst && fresh.length === 0; i++) {
    const q: EventQuery = cursor ? { ...base, cursor, limit: PAGE } : oldest ? { ...base, until: oldest, limit: PAGE } : { ...base, limit: PAGE };
    const page = await (i === 0 && first ? first.catch(() => listEvents(q, signal)) : listEvents(q, signal));
    let added = 0;
    for (const e of page.events) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      fresh.push(e);
      added++;
    }
    oldest = page.events[page.events.length - 1]?.timestamp ?? oldest;
    cursor = page.nextCursor;
    searchedUntil = page.searchedUntil ?? oldest;
    // Only a missing cursor ends the list (an empty search page with a cursor is not the end);
    // a server without cursors pages by time and ends on a short page or one with nothing new.
    if (!cursor && (page.events.length < PAGE || added === 0)) return { fresh, cursor, oldest, exhausted: true, searchedUntil: null };
    if (!signal.aborted) onReach(searchedUntil);
  }
  return { fresh, cursor, oldest, exhausted: false, searchedUntil };
}

/** Whether the tab is shown: paging back by itself stops while it is hidden. */
function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => typeof document === 'undefined' || !document.hidden);
  useEffect(() => {
    const on = () => setVisible(!document.hidden);
    document.addEventListener('visibilitychange', on);
    return () => document.removeEventListener('visibilitychange', on);
  }, []);
  return visible;
}

export function useEventFeed(
  makeQuery: () => EventQuery,
  key: string,
  opts: { live: boolean; /** the first page, if a route loader has asked for it already */ takeFirst?: () => Promise<EventPage> | undefined },
): EventFeed {
  const [rows, setRows] = useState<AuditEvent[]>([]);
  const [newCount, setNewCount] = useState(0);
  const [jumped, setJumped] = useState<GapMarker | null>(null);
  const [trimmed, setTrimmed] = useState(0);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [position, setPosition] = useState<Position>({ cursor: null, oldest: null });
  const [exhausted, setExhausted] = useState(false);
  const [searchedUntil, setSearchedUntil] = useState<string | null>(null);
  const [reloadTick, setReloadTick] = useState(0);
  const visible = usePageVisible();
  const rowsRef = useRef(rows);
  rowsRef.current = rows;

  const ids = useRef(new Set<string>());
  const baseQuery = useRef<EventQuery>({});
  const abort = useRef<AbortController | null>(null);
  const makeQueryRef = useRef(makeQuery);
  makeQueryRef.current = makeQuery;
  const takeFirstRef = useRef(opts.takeFirst);
  takeFirstRef.current = opts.takeFirst;
  const liveTimer = useRef<number | null>(null);
  const liveBusy = useRef(false);
  const newest = useRef<string | null>(null);
  /** Rows shown that share the newest timestamp (the count's `since` is inclusive). */
  const atNewest = useRef(0);
  const pendingJump = useRef<GapMarker | null>(null);

  const apply = useCallback((step: Step) => {
    if (step.fresh.length) {
      const next = appendBelow(rowsRef.current, step.fresh);
      for (const id of next.dropped) ids.current.delete(id);
      // Read by a merge that lands before the next render.
      rowsRef.current = next.rows;
      setRows(next.rows);
      if (next.dropped.length) setTrimmed((t) => t + next.dropped.length);
    }
    setPosition({ cursor: step.cursor, oldest: step.oldest });
    setExhausted(step.exhausted);
    setSearchedUntil(step.searchedUntil);
  }, []);

  useEffect(() => {
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    const q = makeQueryRef.current();
    baseQuery.current = q;
    ids.current = new Set();
    setLoading(true);
    setLoadingMore(false);
    setError(undefined);
    setNewCount(0);
    setJumped(pendingJump.current);
    setTrimmed(0);
    pendingJump.current = null;
    setRows([]);
    setPosition({ cursor: null, oldest: null });
    setExhausted(false);
    setSearchedUntil(null);
    // The first page alone (the page shows as soon as it is in); an empty search page with a
    // cursor continues below, showing how far back it has searched.
    const startedAt = new Date().toISOString();
    const first = takeFirstRef.current?.();
    stepBack(q, { cursor: null, oldest: null }, ids.current, ac.signal, 1, () => undefined, first)
      .then((step) => {
        if (ac.signal.aborted) return;
        newest.current = step.fresh[0]?.timestamp ?? q.since ?? startedAt;
        atNewest.current = countAtNewest(step.fresh);
        // The first page starts the list over (never appended to what a reload is replacing).
        rowsRef.current = step.fresh;
        setRows(step.fresh);
        apply({ ...step, fresh: [] });
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (ac.signal.aborted) return;
        setError(e);
        setLoading(false);
      });
    return () => ac.abort();
  }, [key, reloadTick, apply]);

  const loadMore = useCallback(() => {
    if (loading || loadingMore || exhausted || !visible || error) return;
    const ac = abort.current;
    if (!ac) return;
    setLoadingMore(true);
    stepBack(baseQuery.current, position, ids.current, ac.signal, BURST, setSearchedUntil)
      .then((step) => {
        if (!ac.signal.aborted) apply(step);
      })
      .catch((e: unknown) => {
        if (!ac.signal.aborted) setError(e);
      })
      .finally(() => {
        if (!ac.signal.aborted) setLoadingMore(false);
      });
  }, [loading, loadingMore, exhausted, visible, error, position, apply]);

  // Nothing found yet but the window is not done: keep searching back while the page is shown
  // (with rows, the table asks for more when its end comes into view).
  useEffect(() => {
    if (rows.length === 0 && !error) loadMore();
  }, [rows.length, error, loadMore]);

  // The exact number of new events, asked of the server at most every LIVE_THROTTLE_MS.
  const countNew = useCallback(() => {
    const since = newest.current;
    if (liveBusy.current || !since) return;
    liveBusy.current = true;
    const ac = abort.current;
    countNewer(baseQuery.current, since, atNewest.current, ac?.signal)
      .then((n) => {
        if (!ac?.signal.aborted && newest.current === since) setNewCount(n);
      })
      .catch(() => undefined)
      .finally(() => {
        liveBusy.current = false;
      });
  }, []);
  useLiveEvent('event_created', () => {
    if (!opts.live || loading) return;
    if (liveTimer.current !== null) return;
    liveTimer.current = window.setTimeout(() => {
      liveTimer.current = null;
      countNew();
    }, LIVE_THROTTLE_MS);
  });
  // Missed event_created notices cannot be replayed: look for new rows now.
  useLiveResync(() => {
    if (opts.live && !loading) countNew();
  });
  useEffect(
    () => () => {
      if (liveTimer.current !== null) window.clearTimeout(liveTimer.current);
    },
    [],
  );

  const reload = useCallback(() => setReloadTick((t) => t + 1), []);

  /**
   * Up to MERGE_LIMIT new events: fetched (cursor paging, every one of them) and put on top, the
   * list then cut to its newest MAX_ROWS. More than that: the list restarts at the newest event
   * (the page says so); scrolling down pages back through everything in order, so nothing is
   * skipped either way.
   */
  const showNew = useCallback(() => {
    const since = newest.current;
    const plan = showNewPlan(newCount);
    if (!since || plan === 'none') return;
    if (trimmed > 0) {
      // The top of the window is not the newest any more: nothing to merge onto; start over there.
      reload();
      return;
    }
    if (plan === 'jump') {
      pendingJump.current = { count: newCount, since };
      reload();
      return;
    }
    const ac = abort.current;
    fetchNewer(baseQuery.current, since, ids.current, ac?.signal)
      .then((fresh) => {
        if (ac?.signal.aborted || fresh.length === 0) return;
        const merged = mergeOnTop(fresh, rowsRef.current);
        for (const e of fresh) ids.current.add(e.id);
        for (const id of merged.dropped) ids.current.delete(id);
        newest.current = merged.rows[0]!.timestamp;
        atNewest.current = countAtNewest(merged.rows);
        rowsRef.current = merged.rows;
        setRows(merged.rows);
        if (merged.resumeFrom) {
          // Continue further back from the last row kept (by time: its cursor was not issued).
          setPosition({ cursor: null, oldest: merged.resumeFrom });
          setExhausted(false);
        }
        setNewCount(0);
      })
      .catch((e: unknown) => {
        if (!ac?.signal.aborted) setError(e);
      });
  }, [newCount, trimmed, reload]);

  return { rows, newCount, jumped, trimmed, loading, loadingMore, error, hasMore: !exhausted, searchedUntil: exhausted ? null : searchedUntil, loadMore, showNew, reload };
}
