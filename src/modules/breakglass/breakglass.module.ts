import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import type { KeysService } from '../keys/keys.service.js';
import { breakGlassRoutes } from './breakglass.routes.js';
import { createBreakGlassService, type BreakGlassService } from './breakglass.service.js';
import type { ServedBundles } from './served-bundle.js';

/** How often the leader ends switches past their deadline (the deadline is kept to within this). */
export const BREAKGLASS_EXPIRY_INTERVAL_MS = 5_000;

export function registerBreakGlass(
  app: FastifyInstance,
  ctx: AppContext,
  opts: { served: ServedBundles; keys: KeysService },
): { service: BreakGlassService; jobs: Job[] } {
  const service = createBreakGlassService(ctx, opts.served, opts.keys);
  ctx.breakGlass = service;
  breakGlassRoutes(app, service);
  const jobs: Job[] = [
    {
      name: 'breakglass_expiry',
      leaderOnly: true,
      intervalMs: BREAKGLASS_EXPIRY_INTERVAL_MS,
      runAtStart: true,
      run: async () => {
        const n = await service.tick();
        if (n > 0) ctx.deps.logger.info({ ended: n }, 'break-glass switches ended at their deadline');
      },
    },
  ];
  return { service, jobs };
}
