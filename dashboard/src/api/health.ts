import { api } from './client';
import { useQuery } from './query';
import type { HealthDetails } from './types';

/** 503 means "degraded" and carries the same body: render it rather than an error. */
export const getHealthDetails = () => api<HealthDetails>('/health/details', { acceptStatus: [503] });

export function useHealthDetails() {
  return useQuery('health:details', getHealthDetails, { refetchIntervalMs: 30_000 });
}
