import { api } from './client';
import { useQuery } from './query';
import type { Health, LoginRequest, Me, SetupRequest, SetupResponse } from './types';

export const getHealth = () => api<Health>('/health');
export const getMe = () => api<Me>('/auth/me');
export const login = (body: LoginRequest) => api<{ message: string }>('/auth/login', { method: 'POST', body });
export const logout = () => api<{ message: string }>('/auth/logout', { method: 'POST' });
export const setup = (body: SetupRequest) => api<SetupResponse>('/setup', { method: 'POST', body });

/**
 * The organisation name asked at setup, from /auth/me. Read defensively: servers before issue 12
 * send none, and the field is `org_name` or `tenant_name`.
 */
export function orgName(me: Me | undefined): string | null {
  const m = me as (Me & { org_name?: unknown; tenant_name?: unknown }) | undefined;
  const v = m?.org_name ?? m?.tenant_name;
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}

export function useMe() {
  return useQuery('auth:me', getMe);
}
