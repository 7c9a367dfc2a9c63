import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { MAX_ROWS, useEventFeed } from '../../api/event-feed';
import { findEvent, getFacets, type EventPage } from '../../api/events';
import { ApiError } from '../../api/client';
import { useMe } from '../../api/auth';
import { useQuery, useQueryClient } from '../../api/query';
import type { AuditEvent } from '../../api/types';
import { HistogramLegend, VerdictHistogram } from '../../components/charts/VerdictHistogram';
import { Button, Spinner } from '../../components/ui/Button';
import { Drawer } from '../../components/ui/Dialog';
import { EmptyState, ErrorState, LoadingBlock, Skeleton, SkeletonRows } from '../../components/ui/Feedback';
import { IconArrowUp, IconList, IconX } from '../../components/ui/icons';
import { formatDateTime, formatNumber } from '../../lib/format';
import { useStoredState } from '../../lib/theme';
import { useMediaQuery } from '../../lib/use-media';
import { EventDetail } from './EventDetail';
import { EventsToolbar } from './EventsToolbar';
import { EventTable } from './EventTable';
import { searchedBackTo } from './search-progress';
import { ExportDialog } from './ExportDialog';
import { AuditDialog } from './AuditDialog';
import { countLoaded, FacetPanel, type FacetCounts } from './FacetPanel';
import { fetchHistogram, FIRST_PAGE_MAX_AGE_MS, firstPageKey, histogramKey } from './events-preload';
import { activeFilterCount, applyFilters, FACETS, filtersFromParams, filtersKey, toQuery, withoutFacet, type EventFilters, type FacetKey, type WindowKey } from './event-filters';

export default function EventsPage() {
  const [params, setParams] = useSearchParams();
  const key = filtersKey(filtersFromParams(params));
  const filters = useMemo(() => filtersFromParams(params), [key]);
  const [live, setLive] = useStoredState<boolean>('edictum-events-live', true);
  const [exporting, setExporting] = useState(false);
  const [auditing, setAuditing] = useState(false);
  const isAdmin = useMe().data?.is_admin ?? false;
  const [filtersOpen, setFiltersOpen] = useState(false);
  const [topSignal, setTopSignal] = useState(0);
  const wide = useMediaQuery('(min-width: 1280px)');
  const large = useMediaQuery('(min-width: 1024px)');

  const makeQuery = useCallback(() => toQuery(filters), [filters]);
  const client = useQueryClient();
  const takeFirst = useCallback(() => client.take<EventPage>(firstPageKey(key), FIRST_PAGE_MAX_AGE_MS), [client, key]);
  const feed = useEventFeed(makeQuery, key, { live: live && filters.window !== 'custom', takeFirst });

  const update = useCallback(
    (f: EventFilters) => setParams((p) => applyFilters(p, f), { replace: false }),
    [setParams],
  );
  const toggleFacet = (k: FacetKey, v: string, on: boolean) => {
    const cur = filters.facets[k] ?? [];
    const next = on ? [...cur, v] : cur.filter((x) => x !== v);
    update({ ...filters, facets: { ...filters.facets, [k]: next.length ? next : undefined } });
  };
  const onSearch = useCallback((q: string) => update({ ...filters, q }), [filters, update]);
  const setWindow = (w: WindowKey) => update({ ...filters, window: w, since: null, until: null });
  const setRange = (since: number | null, until: number | null) => update({ ...filters, window: 'custom', since, until });
  const clearAll = () => update({ facets: {}, q: '', window: filters.window, since: filters.since, until: filters.until });

  // Histogram over the same filters; drag on it to zoom into a custom range.
  const hist = useQuery(histogramKey(key), () => fetchHistogram(filters));

  // Facet counts from the server over the whole window; a facet with a selection is counted
  // without its own filter so its other values stay visible. Servers without the endpoint
  // (404) fall back to counting the loaded rows.
  const facetQ = useQuery(`events:facets:${key}`, async () => {
    const now = Date.now();
    const base = await getFacets(toQuery(filters, now));
    const counts = Object.fromEntries(FACETS.map((f) => [f.key, base.facets[f.facet] ?? []])) as FacetCounts;
    await Promise.all(
      FACETS.filter((f) => filters.facets[f.key]?.length).map(async (f) => {
        const own = await getFacets(toQuery(withoutFacet(filters, f.key), now));
        counts[f.key] = own.facets[f.facet] ?? [];
      }),
    );
    return { counts, scanned: base.scanned, truncated: base.truncated, scanLimit: base.scan_limit };
  });
  const facetsMissing = facetQ.error instanceof ApiError && (facetQ.error.status === 404 || facetQ.error.status === 405);
  const loadedCounts = useMemo(() => (facetsMissing ? countLoaded(feed.rows) : null), [facetsMissing, feed.rows]);
  const facetCounts = facetsMissing ? loadedCounts : (facetQ.data?.counts ?? null);
  const facetNote = facetsMissing
    ? `Counts over ${formatNumber(feed.rows.length)} loaded events`
    : facetQ.data
      ? facetQ.data.truncated
        ? `Approximate: counts over the newest ${formatNumber(facetQ.data.scanLimit)} ${filters.q ? 'matching events' : 'events of the window'}`
        : 'Counts over the whole time window'
      : facetQ.error
        ? 'Counts unavailable'
        : 'Counting…';

  // Selection and the ?event= deep link (fetched on its own if it is not among loaded rows).
  const selectedId = params.get('event');
  const inList = useMemo(() => (selectedId ? (feed.rows.find((r) => r.id === selectedId) ?? null) : null), [selectedId, feed.rows]);
  const [fetched, setFetched] = useState<AuditEvent | null>(null);
  const [fetchFailed, setFetchFailed] = useState(false);
  useEffect(() => {
    setFetchFailed(false);
    if (!selectedId || inList || feed.loading) return;
    if (fetched?.id === selectedId) return;
    let cancelled = false;
    findEvent(selectedId)
      .then((e) => {
        if (cancelled) return;
        if (e) setFetched(e);
        else setFetchFailed(true);
      })
      .catch(() => !cancelled && setFetchFailed(true));
    return () => {
      cancelled = true;
    };
  }, [selectedId, inList, feed.loading, fetched]);
  const selected = inList ?? (fetched?.id === selectedId ? fetched : null);

  const select = useCallback(
    (e: AuditEvent | null) =>
      setParams(
        (p) => {
          const n = new URLSearchParams(p);
          if (e) n.set('event', e.id);
          else n.delete('event');
          return n;
        },
        { replace: true },
      ),
    [setParams],
  );

  // With a ?ts= link, select the event closest to that moment once rows arrive.
  const ts = params.get('ts');
  useEffect(() => {
    if (!ts || selectedId || feed.loading || feed.rows.length === 0) return;
    const t = Date.parse(ts);
    let best = feed.rows[0]!;
    for (const r of feed.rows) if (Math.abs(Date.parse(r.timestamp) - t) < Math.abs(Date.parse(best.timestamp) - t)) best = r;
    select(best);
  }, [ts, selectedId, feed.loading, feed.rows, select]);

  // Esc closes the side panel (the drawer on small screens handles Esc itself).
  useEffect(() => {
    if (!wide || !selectedId) return;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key === 'Escape' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName) && !document.querySelector('dialog[open]')) select(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [wide, selectedId, select]);

  const jumpToNewest = () => {
    feed.reload();
    setTopSignal((s) => s + 1);
  };
  const showNew = () => {
    feed.showNew();
    setTopSignal((s) => s + 1);
    void hist.refetch();
    void facetQ.refetch();
  };

  const filterCount = activeFilterCount(filters);
  // A search pages back through the window slice by slice: until it is done, say how far it got
  // and count what it found as "so far" (never a total it does not know).
  const searching = filters.q.trim() !== '';
  const reach = searching && feed.hasMore ? searchedBackTo(feed.searchedUntil) : null;
  const countText = searching
    ? `${formatNumber(feed.rows.length)} ${feed.rows.length === 1 ? 'match' : 'matches'}${feed.hasMore ? ` so far${reach ? `, ${reach}` : ''}` : ''}`
    : `${formatNumber(feed.rows.length)}${feed.hasMore ? '+' : ''} events`;
  const summary = `${Object.entries(filters.facets).map(([k, v]) => `${FACETS.find((f) => f.key === k)?.label}: ${(v ?? []).join(' or ')}`).join(', ') || 'All events'}${filters.q ? `, matching “${filters.q}”` : ''}, ${filters.window === 'custom' ? 'custom range' : `last ${filters.window}`}.`;

  const facets = <FacetPanel counts={facetCounts} note={facetNote} filters={filters} onToggle={toggleFacet} />;
  const detail = selected ? (
    <EventDetail event={selected} onClose={() => select(null)} onShowCall={(callId) => update({ ...filters, q: callId })} />
  ) : null;

  return (
    <div className="flex flex-col gap-3 md:h-[calc(100dvh-2.5rem)]">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <div>
          <h1 className="text-xl font-semibold tracking-tight">Events</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400" aria-live="polite">
            {feed.loading ? 'Loading…' : `${countText} · ${summary}`}
          </p>
        </div>
        {filterCount > 0 && (
          <Button size="sm" variant="ghost" onClick={clearAll}>
            <IconX size={14} /> Clear filters ({filterCount})
          </Button>
        )}
      </div>

      <EventsToolbar
        filters={filters}
        onSearch={onSearch}
        onWindow={setWindow}
        onRange={setRange}
        live={live}
        onLiveChange={setLive}
        onExport={() => setExporting(true)}
        onAudit={isAdmin ? () => setAuditing(true) : undefined}
        onOpenFilters={() => setFiltersOpen(true)}
        filterCount={filterCount}
      />

      <div className="flex min-h-0 flex-1 gap-4">
        {large && (
          <aside aria-label="Filters" className="w-60 shrink-0 overflow-y-auto pr-1 scrollbar-thin">
            {facets}
          </aside>
        )}

        <div className="flex min-w-0 flex-1 flex-col gap-3">
          <section aria-label="Verdict histogram" className="shrink-0 rounded-lg border border-slate-200 p-3 dark:border-slate-800">
            <div className="mb-1 flex flex-wrap items-center justify-between gap-2">
              <p className="text-xs text-slate-500 dark:text-slate-400">
                {hist.data?.countedSince
                  ? `Approximate: the newest matches are counted, back to ${formatDateTime(hist.data.countedSince)}`
                  : 'Drag across the chart to zoom in'}
              </p>
              <div className="flex items-center gap-3">
                <HistogramLegend />
                {filters.window === 'custom' && (
                  <Button size="xs" variant="ghost" onClick={() => setWindow('24h')}>
                    Reset zoom
                  </Button>
                )}
              </div>
            </div>
            {hist.error && !hist.data ? (
              <ErrorState error={hist.error} onRetry={() => void hist.refetch()} title="Could not load the histogram" />
            ) : !hist.data ? (
              <LoadingBlock label="Loading histogram">
                <Skeleton className="h-[96px]" />
              </LoadingBlock>
            ) : (
              <VerdictHistogram
                buckets={hist.data.buckets}
                since={hist.data.since}
                until={hist.data.until}
                bucketSeconds={hist.data.bucket}
                height={96}
                onZoom={(a, b) => setRange(Math.floor(a), Math.ceil(b))}
              />
            )}
          </section>

          <div className="relative flex h-[70dvh] min-h-0 flex-col md:h-auto md:flex-1">
            {feed.newCount > 0 && (
              <div className="pointer-events-none absolute inset-x-0 top-9 z-20 flex justify-center">
                <Button size="sm" variant="primary" className="pointer-events-auto shadow-lg" onClick={showNew}>
                  <IconArrowUp size={14} /> {formatNumber(feed.newCount)} new
                </Button>
              </div>
            )}
            {feed.jumped && !feed.loading && (
              <p role="status" className="mb-2 rounded-md border border-amber-500/40 bg-amber-500/10 px-3 py-1.5 text-xs text-amber-800 dark:text-amber-300">
                Jumped to the newest events: {formatNumber(feed.jumped.count)} had arrived since {formatDateTime(feed.jumped.since)}. Scroll down to page back through all of them in order.
              </p>
            )}
            {feed.trimmed > 0 && !feed.loading && (
              <p role="status" className="mb-2 flex flex-wrap items-center gap-2 rounded-md border border-amber-500/40 bg-amber-500/10 px-3 py-1.5 text-xs text-amber-800 dark:text-amber-300">
                The list keeps {formatNumber(MAX_ROWS)} rows: {formatNumber(feed.trimmed)} newer {feed.trimmed === 1 ? 'event was' : 'events were'} let go while paging back.
                <Button size="xs" variant="outline" onClick={jumpToNewest}>
                  <IconArrowUp size={12} /> Jump to newest
                </Button>
              </p>
            )}
            {feed.error && feed.rows.length === 0 ? (
              <ErrorState error={feed.error} onRetry={feed.reload} title="Could not load events" />
            ) : feed.loading ? (
              <SkeletonRows rows={10} />
            ) : feed.rows.length === 0 && feed.hasMore ? (
              <div role="status" className="flex items-center justify-center gap-2 rounded-lg border border-slate-200 p-6 text-sm text-slate-500 dark:border-slate-800">
                <Spinner className="size-4" /> No matches yet{reach ? `, ${reach}` : ''}…
              </div>
            ) : feed.rows.length === 0 ? (
              <EmptyState
                icon={<IconList size={24} />}
                title={filterCount || filters.window !== '24h' ? 'No events match' : 'No events in the last 24 hours'}
                action={
                  filterCount ? (
                    <Button variant="outline" onClick={clearAll}>
                      Clear filters
                    </Button>
                  ) : (
                    <Link to="/keys" className="text-sm font-medium text-amber-600 hover:underline dark:text-amber-400">
                      Create an API key →
                    </Link>
                  )
                }
              >
                {filterCount
                  ? 'Try removing a filter or widening the time window.'
                  : 'Every tool call an agent makes is recorded here. Create an API key, point the SDK at this console, and events arrive within seconds.'}
              </EmptyState>
            ) : (
              <EventTable
                rows={feed.rows}
                selectedId={selectedId}
                onSelect={select}
                onEndReached={feed.loadMore}
                loadingMore={feed.loadingMore}
                hasMore={feed.hasMore}
                searchedUntil={searching ? feed.searchedUntil : null}
                scrollToTopSignal={topSignal}
              />
            )}
          </div>
        </div>

        {wide && selectedId && (
          <aside className="w-[400px] shrink-0 overflow-hidden rounded-lg border border-slate-200 dark:border-slate-800">
            {detail ?? <DetailPlaceholder failed={fetchFailed} onClose={() => select(null)} />}
          </aside>
        )}
      </div>

      {!wide && (
        <Drawer open={!!selectedId} onClose={() => select(null)} label="Event detail" side="right">
          {detail ?? <DetailPlaceholder failed={fetchFailed} onClose={() => select(null)} />}
        </Drawer>
      )}
      {!large && (
        <Drawer open={filtersOpen} onClose={() => setFiltersOpen(false)} label="Filters">
          <div className="flex items-center justify-between border-b border-slate-200 px-4 py-3 dark:border-slate-800">
            <h2 className="font-semibold">Filters</h2>
            <Button size="xs" variant="ghost" onClick={() => setFiltersOpen(false)} aria-label="Close filters">
              <IconX size={16} />
            </Button>
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto p-3">{facets}</div>
        </Drawer>
      )}
      <AuditDialog open={auditing} onClose={() => setAuditing(false)} />
      <ExportDialog open={exporting} onClose={() => setExporting(false)} makeQuery={makeQuery} summary={summary} />
    </div>
  );
}

function DetailPlaceholder({ failed, onClose }: { failed: boolean; onClose: () => void }) {
  return (
    <div className="flex h-full flex-col">
      <div className="flex justify-end p-2">
        <Button size="xs" variant="ghost" onClick={onClose} aria-label="Close event detail">
          <IconX size={16} />
        </Button>
      </div>
      {failed ? (
        <EmptyState title="Event not found" className="m-4">
          It may have been purged, or it belongs to another environment.
        </EmptyState>
      ) : (
        <div className="p-4">
          <SkeletonRows rows={6} />
        </div>
      )}
    </div>
  );
}
