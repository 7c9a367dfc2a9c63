import { useEffect, useRef } from 'react';
import { useQueryClient } from '../../api/query';
import type { LiveEventName } from '../../api/types';
import { useLiveEvents, useLiveResync } from '../../live/LiveProvider';

/** Which cached queries each dashboard event makes stale (by key prefix). */
const INVALIDATES: Record<LiveEventName, string[]> = {
  api_key_created: ['keys:'],
  api_key_revoked: ['keys:'],
  approval_created: ['approvals:', 'stats:'],
  approval_decided: ['approvals:', 'stats:'],
  approval_timeout: ['approvals:', 'stats:'],
  assignment_changed: ['agents:', 'rules:'],
  bundle_deployed: ['bundles:', 'deployments:', 'agents:'],
  bundle_uploaded: ['bundles:'],
  contract_update: ['bundles:', 'deployments:', 'agents:'],
  event_created: ['stats:', 'home:', 'agents:'],
  signing_key_rotated: ['settings:signing-key', 'bundles:'],
  agent_connected: ['agents:', 'stats:', 'health:'],
  agent_disconnected: ['agents:', 'stats:', 'health:'],
  // A library edit changes usage, "update available" badges and previews of compositions.
  contract_created: ['library:', 'compositions:'],
  contract_updated: ['library:', 'compositions:'],
  composition_changed: ['compositions:', 'library:', 'bundles:'],
  // A canary step changes which agents show as canary rather than drifted.
  rollout_updated: ['rollouts:', 'agents:'],
  // Followed by the Replay panel itself (useReplayJob); no cached query depends on it.
  replay_progress: [],
};

/**
 * Bursts of events (an agent fleet sends many batches a second) refresh the summarising pages
 * (Overview, Agents) at most this often, and not at all while the tab is hidden (they refresh
 * once when it is shown again). Other notices (approvals, deploys, keys) refresh at once.
 */
const THROTTLE_MS = 10_000;

export function useLiveInvalidation() {
  const client = useQueryClient();
  const pending = useRef(new Set<string>());
  const timer = useRef<number | null>(null);
  const last = useRef(0);

  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
    },
    [],
  );

  const flush = () => {
    timer.current = null;
    if (document.hidden) return;
    last.current = Date.now();
    const prefixes = [...pending.current];
    pending.current.clear();
    for (const p of prefixes) client.invalidate(p);
  };

  useEffect(() => {
    const onVisible = () => {
      if (!document.hidden && pending.current.size > 0 && timer.current === null) flush();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  });

  useLiveEvents((Object.keys(INVALIDATES) as LiveEventName[]).filter((n) => INVALIDATES[n].length > 0), (name) => {
    for (const p of INVALIDATES[name]) pending.current.add(p);
    if (name !== 'event_created') return flush();
    if (timer.current !== null) return;
    const wait = Math.max(0, THROTTLE_MS - (Date.now() - last.current));
    timer.current = window.setTimeout(flush, wait);
  });

  // The server replays missed events on reconnect; when it cannot, it says `resync` and
  // everything cached is refreshed (queries on screen refetch, the rest go stale).
  useLiveResync(() => {
    for (const p of ['approvals:', 'stats:', 'keys:', 'agents:', 'rules:', 'bundles:', 'deployments:', 'home:', 'events:', 'notifications:', 'health:', 'settings:', 'library:', 'compositions:']) client.invalidate(p);
  });
}
