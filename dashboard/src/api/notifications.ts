import { api } from './client';
import { useQuery } from './query';
import type { ChannelCreate, ChannelTest, ChannelTestResult, ChannelUpdate, NotificationChannel } from './types';

const enc = encodeURIComponent;

export const listChannels = () => api<NotificationChannel[]>('/notifications/channels');
export const createChannel = (body: ChannelCreate) => api<NotificationChannel>('/notifications/channels', { method: 'POST', body });
export const updateChannel = (id: string, body: ChannelUpdate) =>
  api<NotificationChannel>(`/notifications/channels/${enc(id)}`, { method: 'PUT', body });
export const deleteChannel = (id: string) => api<void>(`/notifications/channels/${enc(id)}`, { method: 'DELETE' });
export const testChannel = (id: string) => api<ChannelTestResult>(`/notifications/channels/${enc(id)}/test`, { method: 'POST' });
/** Test an unsaved configuration (ours; 404 on servers without it). */
export const testChannelConfig = (body: ChannelTest) =>
  api<ChannelTestResult>('/notifications/channels/test', { method: 'POST', body });

export function useChannels() {
  return useQuery('notifications:channels', listChannels);
}
