import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import { sessionsRoutes } from './sessions.routes.js';
import { createSessionsService } from './sessions.service.js';

/** How often expired rows of the database key-value store are deleted (Redis expires keys itself). */
export const KV_SWEEP_INTERVAL_MS = 3600 * 1000;

/**
 * The agents' session key-value store. Returns a sweep job for the database store; the caller
 * may ignore it (rows past their TTL are invisible either way, the sweep only reclaims space).
 */
export function registerSessions(app: FastifyInstance, ctx: AppContext): { jobs: Job[] } {
  const { agentKv, logger } = ctx.deps;
  sessionsRoutes(app, createSessionsService(agentKv, logger));
  const sweep: Job = {
    name: 'session_kv_sweep',
    leaderOnly: true,
    intervalMs: KV_SWEEP_INTERVAL_MS,
    run: async () => {
      const n = await agentKv.sweep();
      if (n > 0) logger.info({ deleted: n }, 'expired session keys removed');
    },
  };
  return { jobs: ctx.deps.redis ? [] : [sweep] };
}
