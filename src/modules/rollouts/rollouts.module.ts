import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import { rolloutsRoutes } from './rollouts.routes.js';
import { createRolloutsService } from './rollouts.service.js';

export const ROLLOUT_TRACKING_JOB = 'rollout_tracking';
/** How often the leader looks at open rollouts (activations, stragglers, alerts). */
export const ROLLOUT_TRACKING_INTERVAL_MS = 5_000;

/**
 * Deploy tracking (issue 15, docs/rollouts.md): sets `ctx.deployTracker` so every deploy records
 * a rollout in its transaction; the leader's job follows each target agent to activation.
 */
export function registerRollouts(app: FastifyInstance, ctx: AppContext): { jobs: Job[] } {
  const service = createRolloutsService(ctx);
  ctx.deployTracker = service.tracker;
  rolloutsRoutes(app, service);
  return {
    jobs: [{ name: ROLLOUT_TRACKING_JOB, intervalMs: ROLLOUT_TRACKING_INTERVAL_MS, leaderOnly: true, run: () => service.trackPass() }],
  };
}
