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

/** The Slack app manifest for a channel (its own interactivity URL), or the shared one. */
export const getSlackManifest = (channelId?: string) => api<SlackManifest>('/slack/manifest', { query: { channel_id: channelId } });

export interface SlackManifest {
  settings: { interactivity: { request_url: string } };
  [key: string]: unknown;
}

/**
 * The manifest carries the console's configured base URL (EDICTUM_BASE_URL), the one chat
 * platforms must call back, which can differ from the address this browser uses.
 */
export function useSlackManifest(channelId?: string) {
  return useQuery(`notifications:manifest:${channelId ?? ''}`, () => getSlackManifest(channelId));
}

export function baseUrlOf(manifest: SlackManifest | undefined): string {
  const url = manifest?.settings.interactivity.request_url;
  return url ? url.replace(/\/api\/v1\/slack\/interactions(\/.*)?$/, '') : window.location.origin;
}
