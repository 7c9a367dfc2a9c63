import { apiWithHeaders, api } from './client';
import { useQuery } from './query';
import type { AuditEvent, EventQuery, HistogramBucket } from './types';

export interface EventPage {
  events: AuditEvent[];
  /** X-Next-Cursor; null when the server has nothing older (or does not page) */
  nextCursor: string | null;
}

export async function listEvents(q: EventQuery, signal?: AbortSignal): Promise<EventPage> {
  const { data, headers } = await apiWithHeaders<AuditEvent[]>('/events', { query: { ...q }, signal });
  return { events: data ?? [], nextCursor: headers.get('X-Next-Cursor') };
}

export interface HistogramQuery extends Omit<EventQuery, 'limit' | 'cursor'> {
  since: string;
  until: string;
  bucket_seconds: number;
}

export const getHistogram = (q: HistogramQuery, signal?: AbortSignal) =>
  api<HistogramBucket[]>('/events/histogram', { query: { ...q }, signal });

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
