import { api } from './client';
import type { PurgeResult, RotateKeyResult } from './types';

export const rotateSigningKey = () => api<RotateKeyResult>('/settings/rotate-signing-key', { method: 'POST' });
export const purgeEvents = (olderThanDays: number) =>
  api<PurgeResult>('/settings/purge-events', { method: 'DELETE', query: { older_than_days: olderThanDays } });
