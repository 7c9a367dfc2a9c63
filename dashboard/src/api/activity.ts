import { api, API_BASE } from './client';

export interface ActivityItem {
  id: string;
  at: string;
  actor: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  source: string;
  ip: string | null;
  user_agent: string | null;
}

export interface ActivityFilters {
  actor?: string;
  action?: string;
  source?: string;
  target?: string;
  since?: string;
  until?: string;
}

const clean = (f: ActivityFilters) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined && v !== ''));

export const listActivity = (f: ActivityFilters, cursor: string | null, limit = 50) =>
  api<{ items: ActivityItem[]; next_cursor: string | null }>('/activity', { query: { ...clean(f), limit, cursor } });

/** A plain link: the browser downloads the streamed file with the session cookie. */
export function exportUrl(f: ActivityFilters, format: 'csv' | 'json'): string {
  return `${API_BASE}/activity/export?${new URLSearchParams({ ...clean(f), format }).toString()}`;
}
