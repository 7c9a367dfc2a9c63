import { api } from './client';
import { useQuery } from './query';
import type { Approval, ApprovalDelivery, ApprovalStatus, DecideRequest } from './types';

export const PENDING_KEY = 'approvals:pending';
export const PENDING_LIMIT = 500;

export const listApprovals = (status?: ApprovalStatus, limit = 100, offset = 0) =>
  api<Approval[]>('/approvals', { query: { status, limit, offset } });
export const getApproval = (id: string) => api<Approval>(`/approvals/${encodeURIComponent(id)}`);
export const decideApproval = (id: string, body: DecideRequest) =>
  api<Approval>(`/approvals/${encodeURIComponent(id)}`, { method: 'PUT', body: { decided_via: 'console', ...body } });
export const listDeliveries = (id: string) => api<ApprovalDelivery[]>(`/approvals/${encodeURIComponent(id)}/deliveries`);

/** Every pending approval (shared by the sidebar badge, Home triage and the Approvals page). */
export function usePendingApprovals() {
  return useQuery(PENDING_KEY, () => listApprovals('pending', PENDING_LIMIT));
}

export function useApprovalHistory() {
  return useQuery('approvals:history', async () => {
    // The reference's history: the latest decided requests of each outcome, merged by date.
    const [approved, denied, timeout] = await Promise.all([
      listApprovals('approved', 50),
      listApprovals('denied', 50),
      listApprovals('timeout', 25),
    ]);
    return [...approved, ...denied, ...timeout].sort((a, b) => (b.decided_at ?? b.created_at).localeCompare(a.decided_at ?? a.created_at));
  });
}

export function useDeliveries(id: string | null) {
  return useQuery(`approvals:deliveries:${id ?? ''}`, () => listDeliveries(id ?? ''), { enabled: !!id });
}

/** Seconds left before an approval times out (negative once expired). */
export function secondsLeft(a: Approval, now = Date.now()): number {
  const deadline = a.expires_at ? Date.parse(a.expires_at) : Date.parse(a.created_at) + a.timeout_seconds * 1000;
  return (deadline - now) / 1000;
}
