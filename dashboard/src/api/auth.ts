import { api } from './client';
import { useQuery } from './query';
import type { Health, LoginRequest, Me, SetupRequest, SetupResponse } from './types';

export const getHealth = () => api<Health>('/health');
export const getMe = () => api<Me>('/auth/me');
export const login = (body: LoginRequest) => api<{ message: string }>('/auth/login', { method: 'POST', body });
export const logout = () => api<{ message: string }>('/auth/logout', { method: 'POST' });
export const setup = (body: SetupRequest) => api<SetupResponse>('/setup', { method: 'POST', body });

export function useMe() {
  return useQuery('auth:me', getMe);
}
