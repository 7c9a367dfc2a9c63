// The Events page's feed: first page, cursor paging further back, and live arrivals held in a
// buffer (the "N new" button) so rows never shift under the reader.
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLiveEvent, useLiveResync } from '../live/LiveProvider';
import { listEvents } from './events';
import type { AuditEvent, EventQuery } from './types';

const PAGE = 500;
const LIVE_THROTTLE_MS = 1500;

export interface EventFeed {
  rows: AuditEvent[];
  buffered: AuditEvent[];
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  hasMore: boolean;
  loadMore: () => void;
  mergeBuffered: () => void;
  reload: () => void;
}

export function useEventFeed(makeQuery: () => EventQuery, key: string, opts: { live: boolean }): EventFeed {
  const [rows, setRows] = useState<AuditEvent[]>([]);
  const [buffered, setBuffered] = useState<AuditEvent[]>([]);
  const [loading, setLoading] = useState(true);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [cursor, setCursor] = useState<string | null>(null);
  const [exhausted, setExhausted] = useState(false);
  const [reloadTick, setReloadTick] = useState(0);

  const ids = useRef(new Set<string>());
  const baseQuery = useRef<EventQuery>({});
  const abort = useRef<AbortController | null>(null);
  const makeQueryRef = useRef(makeQuery);
  makeQueryRef.current = makeQuery;
  const liveTimer = useRef<number | null>(null);
  const liveBusy = useRef(false);
  const newest = useRef<string | null>(null);

  useEffect(() => {
    abort.current?.abort();
    const ac = new AbortController();
    abort.current = ac;
    const q = makeQueryRef.current();
    baseQuery.current = q;
    setLoading(true);
    setError(undefined);
    setBuffered([]);
    listEvents({ ...q, limit: PAGE }, ac.signal)
      .then(({ events, nextCursor }) => {
        if (ac.signal.aborted) return;
        ids.current = new Set(events.map((e) => e.id));
        newest.current = events[0]?.timestamp ?? q.since ?? null;
        setRows(events);
        setCursor(nextCursor);
        setExhausted(!nextCursor && events.length < PAGE);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (ac.signal.aborted) return;
        setError(e);
        setLoading(false);
      });
    return () => ac.abort();
  }, [key, reloadTick]);

  const loadMore = useCallback(() => {
    if (loading || loadingMore || exhausted || rows.length === 0) return;
    setLoadingMore(true);
    const oldest = rows[rows.length - 1]!;
    // Our server pages with X-Next-Cursor; without one, step back by the oldest timestamp.
    const q: EventQuery = cursor ? { ...baseQuery.current, cursor, limit: PAGE } : { ...baseQuery.current, until: oldest.timestamp, limit: PAGE };
    const ac = abort.current;
    listEvents(q, ac?.signal)
      .then(({ events, nextCursor }) => {
        if (ac?.signal.aborted) return;
        const fresh = events.filter((e) => !ids.current.has(e.id));
        for (const e of fresh) ids.current.add(e.id);
        setRows((r) => [...r, ...fresh]);
        setCursor(nextCursor);
        setExhausted((!nextCursor && events.length < PAGE) || fresh.length === 0);
      })
      .catch((e: unknown) => {
        if (!ac?.signal.aborted) setError(e);
      })
      .finally(() => setLoadingMore(false));
  }, [loading, loadingMore, exhausted, rows, cursor]);

  const fetchNew = useCallback(() => {
    if (liveBusy.current) return;
    liveBusy.current = true;
    const since = newest.current ?? baseQuery.current.since;
    listEvents({ ...baseQuery.current, since, limit: 1000 })
      .then(({ events }) => {
        const fresh = events.filter((e) => !ids.current.has(e.id));
        if (fresh.length === 0) return;
        for (const e of fresh) ids.current.add(e.id);
        if (fresh[0] && (!newest.current || fresh[0].timestamp > newest.current)) newest.current = fresh[0].timestamp;
        setBuffered((b) => [...fresh, ...b].sort((a, c) => c.timestamp.localeCompare(a.timestamp)));
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
      fetchNew();
    }, LIVE_THROTTLE_MS);
  });
  // Missed event_created notices cannot be replayed: look for new rows now.
  useLiveResync(() => {
    if (opts.live && !loading) fetchNew();
  });
  useEffect(
    () => () => {
      if (liveTimer.current !== null) window.clearTimeout(liveTimer.current);
    },
    [],
  );

  const mergeBuffered = useCallback(() => {
    if (buffered.length === 0) return;
    setRows((r) => [...buffered, ...r]);
    setBuffered([]);
  }, [buffered]);

  const reload = useCallback(() => setReloadTick((t) => t + 1), []);

  return { rows, buffered, loading, loadingMore, error, hasMore: !exhausted, loadMore, mergeBuffered, reload };
}
