import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Sessions } from '../../platform/auth.js';
import type { BusMessage } from '../../platform/push-bus.js';
import { EventRing } from './dashboard-ring.js';
import { KEEPALIVE_FRAME, SseSink, sseFrame } from './stream.sse.js';
import { openEventStream } from './open-stream.js';

/** What the dashboard stream forwards (console-api.md 2.2) plus the fleet's connect/disconnect. */
export const DASHBOARD_EVENT_TYPES: ReadonlySet<string> = new Set([
  'api_key_created',
  'api_key_revoked',
  'approval_created',
  'approval_decided',
  'approval_timeout',
  'assignment_changed',
  'bundle_deployed',
  'bundle_uploaded',
  'composition_changed',
  'contract_created',
  'contract_update',
  'contract_updated',
  'event_created',
  'signing_key_rotated',
  'agent_connected',
  'agent_disconnected',
  // Replay jobs (issue 9): progress at most twice a second per job, then the final state.
  'replay_progress',
  // Rollouts (issue 15): an id and what happened; the page refetches the admin-only detail.
  'rollout_updated',
]);

/** Rings of tenants with no dashboard here and no event for this long are dropped. */
const RING_IDLE_MS = 60 * 60_000;

interface DashboardConnection {
  tenantId: string;
  sessionToken: string;
  sink: SseSink;
}

/**
 * Dashboard streams of this process: every env of a tenant, an `id:` on every event, replay from
 * the tenant's ring on reconnect (`Last-Event-ID` header or `?last_event_id=`), `resync` when the
 * id is no longer held, and the session re-checked periodically (logout or expiry ends the stream).
 */
export function createDashboardStreams(opts: { sessions: Sessions; log: FastifyBaseLogger }) {
  const byTenant = new Map<string, Set<DashboardConnection>>();
  const rings = new Map<string, EventRing>();
  let rechecking = false;

  const drop = (d: DashboardConnection) => {
    const set = byTenant.get(d.tenantId);
    if (!set?.delete(d)) return;
    if (set.size === 0) byTenant.delete(d.tenantId);
  };

  return {
    deliver(m: BusMessage): void {
      if (!DASHBOARD_EVENT_TYPES.has(m.type)) return;
      const frame = sseFrame(m.id, m.type, m.data);
      let ring = rings.get(m.tenantId);
      if (!ring) {
        ring = new EventRing();
        rings.set(m.tenantId, ring);
      }
      ring.push(m.id, frame);
      for (const d of byTenant.get(m.tenantId) ?? []) d.sink.write(frame);
    },

    /** Synchronous from replay to registration, so no bus message can fall between the two. */
    connect(
      request: FastifyRequest,
      reply: FastifyReply,
      input: { tenantId: string; sessionToken: string; lastEventId: string | null },
    ): void {
      const sink = openEventStream(request, reply);
      if (input.lastEventId !== null) {
        const ring = rings.get(input.tenantId);
        const missed = ring?.since(input.lastEventId) ?? null;
        if (missed) for (const f of missed) sink.write(f);
        else sink.write(sseFrame(ring?.newestId() ?? null, 'resync', { type: 'resync' }));
      }
      const d: DashboardConnection = { tenantId: input.tenantId, sessionToken: input.sessionToken, sink };
      let set = byTenant.get(d.tenantId);
      if (!set) {
        set = new Set();
        byTenant.set(d.tenantId, set);
      }
      set.add(d);
      sink.res.once('close', () => drop(d));
    },

    /**
     * After a bus gap: events other processes published meanwhile never reached this process, so
     * no ring here can replay across the gap (a Last-Event-ID from before it gets `resync`), and
     * every open dashboard is told to refetch now.
     */
    resync(): void {
      rings.clear();
      const frame = sseFrame(null, 'resync', { type: 'resync' });
      for (const set of byTenant.values()) for (const d of set) d.sink.write(frame);
    },

    keepalive(): void {
      for (const set of byTenant.values()) for (const d of set) d.sink.write(KEEPALIVE_FRAME);
    },

    /** Ends streams whose session is gone. One pass at a time. */
    async recheckSessions(): Promise<void> {
      if (rechecking) return;
      rechecking = true;
      try {
        const all = [...byTenant.values()].flatMap((s) => [...s]);
        for (const d of all) {
          if (d.sink.closed) continue;
          try {
            // peek, not resolve: an open stream is not activity and must not keep the session alive.
            const r = await opts.sessions.peek(d.sessionToken);
            if ('error' in r || r.data.tenant_id !== d.tenantId) {
              d.sink.end();
              drop(d);
            }
          } catch (err) {
            // A store outage is not a logout: keep the stream, check again next time.
            opts.log.warn({ err }, 'dashboard session re-check failed');
          }
        }
      } finally {
        rechecking = false;
      }
    },

    sweep(): void {
      for (const set of byTenant.values()) for (const d of set) if (d.sink.res.destroyed) drop(d);
      const now = Date.now();
      for (const [tenantId, ring] of rings) {
        if (!byTenant.has(tenantId) && now - ring.lastActivity > RING_IDLE_MS) rings.delete(tenantId);
      }
    },

    closeAll(): void {
      for (const set of byTenant.values()) for (const d of set) d.sink.end();
      byTenant.clear();
    },

    count: () => [...byTenant.values()].reduce((n, s) => n + s.size, 0),
  };
}

export type DashboardStreams = ReturnType<typeof createDashboardStreams>;
