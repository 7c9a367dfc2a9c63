import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/client.js';
import { newMessageId } from '../../platform/push-bus.js';
import type { BundlesApi, ContractUpdatePayload, FleetApi, Resolution } from '../protocol-types.js';
import type { AgentConnection, StepFrame } from './agent-connection.js';
import { liveConnectionsRepository } from './live-connections.repository.js';
import { assignmentFrameFor, connectAssignmentFrame, updateFrameFor } from './stream-dialect.js';

/** How long a looked-up current bundle is reused (a reconnect storm asks for the same one). */
const CURRENT_TTL_MS = 5_000;
/** Re-resolutions after a rule change run this many at a time, not one query per stream at once. */
const RESOLVE_CONCURRENCY = 8;

function limiter(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    while (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Which bundle a live stream targets, and the current bundle it should be sent: push on connect
 * (decision 4), retargeting on assignment changes and rule changes (decision 5).
 */
export function createAssignmentTracker(opts: { db: Db; bundles: BundlesApi; fleet: FleetApi; log: FastifyBaseLogger }) {
  const { db, bundles, fleet, log } = opts;
  const cache = new Map<string, { at: number; gen: number; value: Promise<ContractUpdatePayload | null> }>();
  /** Bumped per tenant on every deploy or key rotation seen on the bus: older lookups are not reused. */
  const generations = new Map<string, number>();
  const limit = limiter(RESOLVE_CONCURRENCY);

  function current(tenantId: string, env: string, bundle: string): Promise<ContractUpdatePayload | null> {
    const key = `${tenantId}\u0000${env}\u0000${bundle}`;
    const gen = generations.get(tenantId) ?? 0;
    const hit = cache.get(key);
    if (hit && hit.gen === gen && Date.now() - hit.at < CURRENT_TTL_MS) return hit.value;
    const value = bundles.currentUpdate(tenantId, env, bundle);
    cache.set(key, { at: Date.now(), gen, value });
    void value.catch(() => cache.delete(key));
    if (cache.size > 10_000) cache.clear();
    return value;
  }

  /** The current bundle as a frame, when it is deployed and differs from what the agent runs. */
  async function pushFrame(conn: AgentConnection): Promise<StepFrame[]> {
    if (!conn.bundleName || conn.closed) return [];
    // A canary slice holding this agent names another version (BundleSigner.deliveredTo); an agent
    // with a break-glass switch of its own gets its own form; both served with the overlays.
    const payload =
      (await bundles.overrideUpdate(conn.tenantId, conn.env, conn.bundleName, conn.agentId)) ??
      (await bundles.agentUpdate?.(conn.tenantId, conn.env, conn.bundleName, conn.agentId)) ??
      (await current(conn.tenantId, conn.env, conn.bundleName));
    if (!payload || conn.dialect === 'ruleset_ts') return [];
    const out = updateFrameFor(conn.dialect, newMessageId(), payload as unknown as Record<string, unknown>);
    if (!out || out.revision === conn.knownRevision) return [];
    return [out];
  }

  /** Inside a retarget, a failed lookup must not swallow the frames already decided on. */
  async function safePush(conn: AgentConnection): Promise<StepFrame[]> {
    try {
      return await pushFrame(conn);
    } catch (err) {
      log.warn({ err, agent_id: conn.agentId }, 'could not look up the current bundle');
      return [];
    }
  }

  function apply(conn: AgentConnection, r: Resolution): boolean {
    const changed = conn.bundleName !== r.bundle_name;
    conn.bundleName = r.bundle_name;
    conn.bundleSource = r.bundle_name ? 'assignment' : 'none';
    conn.resolution = r.source;
    return changed;
  }

  /** The live row follows the stream (for /agents/status); a failed write is only logged. */
  async function persist(conn: AgentConnection): Promise<void> {
    try {
      await liveConnectionsRepository.setBundle(db, conn.connectionId, conn.bundleName, conn.bundleSource);
    } catch (err) {
      log.warn({ err, agent_id: conn.agentId }, 'could not record the stream bundle');
    }
  }

  /** Re-run resolution for a console-targeted stream; push the new bundle if it changed. */
  const reresolveStep =
    (conn: AgentConnection, before: StepFrame[] = []) =>
    async (): Promise<StepFrame[]> => {
      let r: Resolution;
      try {
        r = await limit(() => fleet.resolve({ tenantId: conn.tenantId, agentId: conn.agentId, env: conn.env, tags: conn.tags }));
      } catch (err) {
        // Keep the current target; the forwarded event still goes out.
        log.warn({ err, agent_id: conn.agentId }, 'could not re-resolve a stream');
        return before;
      }
      if (!apply(conn, r)) return before;
      await persist(conn);
      return [...before, ...(await safePush(conn))];
    };

  return {
    /** Decision 4: after registering, send the current bundle if the agent runs another revision. */
    pushOnConnect(conn: AgentConnection): void {
      const assigned = conn.bundleSource === 'assignment' && conn.bundleName ? connectAssignmentFrame(conn.dialect, newMessageId(), conn.bundleName) : null;
      // A current Py/Go agent waiting for an assignment fetches the bundle itself once told its name.
      if (assigned) conn.enqueue(async () => [{ frame: assigned }], log);
      else conn.enqueue(() => pushFrame(conn), log);
    },

    /** A bus `assignment_changed` for this agent (explicit assignment set or cleared). */
    assignmentChanged(conn: AgentConnection, messageId: string, data: Record<string, unknown>): void {
      const forwardFrame = assignmentFrameFor(conn.dialect, messageId, data);
      const forward: StepFrame[] = forwardFrame ? [{ frame: forwardFrame }] : [];
      const bundle = typeof data.bundle_name === 'string' && data.bundle_name !== '' ? data.bundle_name : null;
      if (bundle) {
        // The SDK switches to the assigned bundle itself; the stream follows at once.
        apply(conn, { bundle_name: bundle, source: 'explicit', rule_id: null, rule_pattern: null });
        conn.enqueue(async () => {
          await persist(conn);
          return [...forward, ...(await safePush(conn))];
        }, log);
      } else if (conn.bundleSource === 'agent') {
        // The agent named its bundle itself; a cleared console assignment does not touch it.
        conn.enqueue(async () => forward, log);
      } else {
        conn.enqueue(reresolveStep(conn, forward), log);
      }
    },

    /** Rules changed (or this agent's tags): streams not pinned by explicit or agent choice re-resolve. */
    rulesChanged(conn: AgentConnection): void {
      if (conn.resolution !== 'rule' && conn.resolution !== 'none') return;
      conn.enqueue(reresolveStep(conn), log);
    },

    /**
     * After a bus gap (docs/operations.md): what the live path would have done had every message
     * arrived. A console-targeted stream re-resolves (explicit assignment, then rules); any stream
     * whose agent has an explicit assignment to another bundle is retargeted to it with an
     * `assignment_changed` (the SDK then uses that name on its reconnects, as after a live one);
     * then the current bundle goes out if its revision differs from what the agent last got.
     */
    catchUp(conn: AgentConnection): void {
      conn.enqueue(async () => {
        const frames: StepFrame[] = [];
        let r: Resolution | null = null;
        try {
          r = await limit(() => fleet.resolve({ tenantId: conn.tenantId, agentId: conn.agentId, env: conn.env, tags: conn.tags }));
        } catch (err) {
          log.warn({ err, agent_id: conn.agentId }, 'could not re-resolve a stream after a bus gap');
        }
        const explicit = r?.source === 'explicit' && r.bundle_name !== null;
        if (r && (conn.bundleSource !== 'agent' || (explicit && r.bundle_name !== conn.bundleName)) && apply(conn, r)) {
          await persist(conn);
          if (explicit) {
            const data = { type: 'assignment_changed', agent_id: conn.agentId, bundle_name: r.bundle_name, source: 'explicit' };
            const frame = assignmentFrameFor(conn.dialect, newMessageId(), data);
            if (frame) frames.push({ frame });
          }
        }
        return [...frames, ...(await safePush(conn))];
      }, log);
    },

    /** A deploy or key rotation for the tenant: cached lookups are stale. */
    invalidate(tenantId: string): void {
      generations.set(tenantId, (generations.get(tenantId) ?? 0) + 1);
    },

    /** After a bus gap nothing cached can be trusted (deploys and rotations may have been missed). */
    invalidateAll(): void {
      cache.clear();
      for (const t of generations.keys()) generations.set(t, (generations.get(t) ?? 0) + 1);
    },
  };
}

export type AssignmentTracker = ReturnType<typeof createAssignmentTracker>;
