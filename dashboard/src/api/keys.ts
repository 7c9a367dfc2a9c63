import { api } from './client';
import { useQuery } from './query';
import type { ApiKey, CreateKeyRequest, CreatedApiKey } from './types';

export const listKeys = () => api<ApiKey[]>('/keys');
export const createKey = (body: CreateKeyRequest) => api<CreatedApiKey>('/keys', { method: 'POST', body });
export const revokeKey = (id: string) => api<void>(`/keys/${encodeURIComponent(id)}`, { method: 'DELETE' });

export function useKeys() {
  return useQuery('keys:list', listKeys);
}
