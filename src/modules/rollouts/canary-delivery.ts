import type { FastifyBaseLogger } from 'fastify';
import type { DeliveryOverrides } from '../../context.js';
import type { Db } from '../../db/client.js';
import type { PushBus } from '../../platform/push-bus.js';
import { canaryRepository } from './canary.repository.js';

/** A tenant's slices are re-read at least this often (a missed bus message heals by itself). */
const TTL_MS = 2_000;
export const CANARY_CHANGED = 'canary_changed';

type Slices = Map<string, { version: number; agents: Set<string> }>;

/**
 * The delivery overrides of live canaries: agent X of env E receives version V of bundle B while
 * X is in the slice of a running (or stopped) canary of B in E. Read from the database per
 * tenant, cached briefly, and dropped on every process when a canary changes (control message).
 */
export function createCanaryDelivery(opts: { db: Db; bus: PushBus; log: FastifyBaseLogger }) {
  const cache = new Map<string, { at: number; value: Promise<Slices> }>();

  function load(tenantId: string): Promise<Slices> {
    const hit = cache.get(tenantId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
    const value = canaryRepository.liveSlices(opts.db, tenantId).then((rows) => {
      const out: Slices = new Map();
      for (const r of rows) {
        const key = `${r.env}\u0000${r.bundleName}`;
        const e = out.get(key) ?? out.set(key, { version: r.version, agents: new Set() }).get(key)!;
        e.agents.add(r.agentId);
      }
      return out;
    });
    cache.set(tenantId, { at: Date.now(), value });
    value.catch(() => cache.delete(tenantId));
    if (cache.size > 10_000) cache.clear();
    return value;
  }

  const unsubscribe = opts.bus.subscribe((m) => {
    if (m.topic === 'control' && m.type === CANARY_CHANGED) cache.delete(m.tenantId);
  });
  const unsubscribeResume = opts.bus.onResume(() => cache.clear());

  const overrides: DeliveryOverrides = {
    async versionFor(tenantId, env, bundleName, agentId) {
      try {
        const e = (await load(tenantId)).get(`${env}\u0000${bundleName}`);
        return e && e.agents.has(agentId) ? e.version : null;
      } catch (err) {
        // Fail to the current deployment: what every agent outside a canary runs.
        opts.log.warn({ err }, 'could not read canary slices');
        return null;
      }
    },
  };

  return {
    overrides,
    invalidate: (tenantId: string) => cache.delete(tenantId),
    close(): void {
      unsubscribe();
      unsubscribeResume();
    },
  };
}
