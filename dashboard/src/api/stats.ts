import { api } from './client';
import { useQuery } from './query';
import type { ContractStats, StatsOverview } from './types';

export const getStatsOverview = () => api<StatsOverview>('/stats/overview');
export const getContractStats = (since?: string, until?: string) => api<ContractStats>('/stats/contracts', { query: { since, until } });

export function useStatsOverview() {
  return useQuery('stats:overview', getStatsOverview, { refetchIntervalMs: 60_000 });
}

export function useContractStats() {
  return useQuery('stats:contracts', () => getContractStats());
}
