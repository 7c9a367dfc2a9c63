// What the Events page reads first, requested by its route loader (router.tsx) so the requests
// run while the page's chunk loads: the first page of the list and the histogram, both for the
// filters in the URL. The page picks them up by the same keys.
import { bucketFor, getHistogramWithCoverage, listEvents, type EventPage } from '../../api/events';
import type { QueryClient } from '../../api/query';
import { filtersFromParams, filtersKey, resolveRange, toQuery, type EventFilters } from './event-filters';

/** The list's page size (event-feed.ts pages back by the same). */
export const FIRST_PAGE = 500;
/** A prefetched first page is used if it is younger than this (else the feed asks again). */
export const FIRST_PAGE_MAX_AGE_MS = 10_000;

export const firstPageKey = (filtersKey: string) => `events:first:${filtersKey}`;
export const histogramKey = (filtersKey: string) => `events:hist:${filtersKey}`;

/** The histogram over the filters' window: bars of a size giving about 48 of them. */
export async function fetchHistogram(filters: EventFilters) {
  const now = Date.now();
  const r = resolveRange(filters, now);
  const until = r.until ?? now;
  const since = r.since ?? until - 86_400_000;
  const bucket = bucketFor(until - since);
  const { buckets, countedSince } = await getHistogramWithCoverage({
    ...toQuery(filters, now),
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    bucket_seconds: bucket,
  });
  return { buckets, since, until, bucket, countedSince };
}

export function preloadEvents(client: QueryClient, url: URL): void {
  const filters = filtersFromParams(url.searchParams);
  const key = filtersKey(filters);
  client.fetch<EventPage>(firstPageKey(key), () => listEvents({ ...toQuery(filters), limit: FIRST_PAGE })).catch(() => undefined);
  client.fetch(histogramKey(key), () => fetchHistogram(filters)).catch(() => undefined);
}
