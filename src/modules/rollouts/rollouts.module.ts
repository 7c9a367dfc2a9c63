import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import type { BundlesApi } from '../protocol-types.js';
import { createCanaryDelivery } from './canary-delivery.js';
import { canaryRoutes } from './canary.routes.js';
import { createCanaryService } from './canary.service.js';
import { rolloutsRoutes } from './rollouts.routes.js';
import { createRolloutsService } from './rollouts.service.js';

export const ROLLOUT_TRACKING_JOB = 'rollout_tracking';
/** How often the leader looks at open rollouts (activations, stragglers, alerts, canary steps). */
export const ROLLOUT_TRACKING_INTERVAL_MS = 5_000;

/**
 * Deploy tracking and canaries (issue 15, docs/rollouts.md): sets `ctx.deployTracker` so every
 * deploy records a rollout in its transaction, and `ctx.delivery` so canary slices receive their
 * version; the leader's job follows each target agent to activation and steps canaries.
 */
export function registerRollouts(app: FastifyInstance, ctx: AppContext, deps: { bundles: BundlesApi }): { jobs: Job[] } {
  const { db } = ctx.deps.database;
  const service = createRolloutsService(ctx);
  const delivery = createCanaryDelivery({ db, bus: ctx.deps.bus, log: ctx.deps.logger });
  const canary = createCanaryService(ctx, { rollouts: service, bundles: deps.bundles, invalidate: delivery.invalidate });
  ctx.deployTracker = service.tracker;
  ctx.delivery = delivery.overrides;
  rolloutsRoutes(app, service, canary.compare);
  canaryRoutes(app, canary, db);
  app.addHook('onClose', async () => delivery.close());
  return {
    jobs: [
      {
        name: ROLLOUT_TRACKING_JOB,
        intervalMs: ROLLOUT_TRACKING_INTERVAL_MS,
        leaderOnly: true,
        run: async () => {
          await service.trackPass();
          await canary.evaluatePass();
        },
      },
    ],
  };
}
