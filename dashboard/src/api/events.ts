import { apiWithHeaders, api } from './client';
import { useQuery } from './query';
import type { AuditEvent, EventFacets, EventQuery, HistogramBucket } from './types';

export interface EventPage {
  events: AuditEvent[];
  /** X-Next-Cursor; null when the server has nothing older (or does not page) */
  nextCursor: string | null;
  /** X-Searched-Until: how far back this page has looked (a search page may be empty and still move it). */
  searchedUntil: string | null;
}

export async function listEvents(q: EventQuery, signal?: AbortSignal): Promise<EventPage> {
  const { data, headers } = await apiWithHeaders<AuditEvent[]>('/events', { query: { ...q }, signal });
  return { events: data ?? [], nextCursor: headers.get('X-Next-Cursor'), searchedUntil: headers.get('X-Searched-Until') };
}

export interface HistogramQuery extends Omit<EventQuery, 'limit' | 'cursor'> {
  since: string;
  until: string;
  bucket_seconds: number;
}

export const getHistogram = (q: HistogramQuery, signal?: AbortSignal) =>
  api<HistogramBucket[]>('/events/histogram', { query: { ...q }, signal });

/**
 * The histogram and, for a search with more matches than the server counts (X-Counted-Since), the
 * oldest match counted: the bars are exact from there on and leave out what lies before it.
 */
export async function getHistogramWithCoverage(q: HistogramQuery, signal?: AbortSignal) {
  const { data, headers } = await apiWithHeaders<HistogramBucket[]>('/events/histogram', { query: { ...q }, signal });
  return { buckets: data ?? [], countedSince: headers.get('X-Counted-Since') };
}

/** Facet counts over the filtered window (ours; the reference has none). */
export const getFacets = (q: Omit<EventQuery, 'limit' | 'cursor'>, signal?: AbortSignal) =>
  api<EventFacets>('/events/facets', { query: { ...q }, signal });

/** Bucket size giving roughly `target` bars over a window (server range 60 s – 1 day). */
export function bucketFor(windowMs: number, target = 48): number {
  const steps = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  const ideal = windowMs / 1000 / target;
  return steps.find((s) => s >= ideal) ?? 86400;
}

/** Latest events for Home's activity list. */
export function useRecentEvents(mode: 'all' | 'enforce' | 'observe') {
  return useQuery(`home:recent:${mode}`, () => listEvents({ limit: 100, mode: mode === 'all' ? undefined : mode }));
}

export function useHistogram24h() {
  return useQuery('home:histogram', () => {
    const until = new Date();
    const since = new Date(until.getTime() - 86_400_000);
    return getHistogram({ since: since.toISOString(), until: until.toISOString(), bucket_seconds: 3600 });
  });
}

/** Every event matching `q` (newest first), paging until the end or `cap` rows. */
export async function fetchAllEvents(q: EventQuery, onProgress: (n: number) => void, signal: AbortSignal, cap = 100_000): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  const seen = new Set<string>();
  let cursor: string | null = null;
  let until = q.until;
  for (;;) {
    const page: EventPage = await listEvents(cursor ? { ...q, cursor, limit: 1000 } : { ...q, until, limit: 1000 }, signal);
    let fresh = 0;
    for (const e of page.events) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      out.push(e);
      fresh++;
    }
    onProgress(out.length);
    if (out.length >= cap) break;
    // A search page may be empty and still carry a cursor (the server walks a bounded slice per
    // request): only a missing cursor ends it. Without cursors (a server that pages by time),
    // a short page or one with nothing new is the end.
    if (page.nextCursor) cursor = page.nextCursor;
    else if (page.events.length < 1000 || fresh === 0) break;
    else {
      cursor = null;
      until = page.events[page.events.length - 1]!.timestamp;
    }
  }
  return out.slice(0, cap);
}

/** One event by id (deep links to events older than what is loaded). */
export async function findEvent(id: string): Promise<AuditEvent | null> {
  const { events } = await listEvents({ q: id, limit: 20 });
  return events.find((e) => e.id === id) ?? null;
}
