import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { createReplayService } from '../replay/replay.service.js';
import { replayRoutes } from '../replay/replay.routes.js';
import { createEvaluationPool } from './evaluation-pool.js';
import { createEvaluateService } from './evaluate.service.js';
import { evaluateRoutes } from './evaluate.routes.js';

/** Reference limit: 4 playground evaluations at once (console-api.md §1.5). */
const PLAYGROUND_WORKERS = 4;

/**
 * What the contract engine offers operators (issue 9): the Evaluate playground and fleet replay.
 * Both evaluate on worker threads, never on the event loop.
 */
export function registerContractTools(app: FastifyInstance, ctx: AppContext): void {
  const pool = createEvaluationPool(PLAYGROUND_WORKERS);
  const replay = createReplayService(ctx);
  evaluateRoutes(app, createEvaluateService(ctx, pool));
  replayRoutes(app, replay);
  app.addHook('onClose', async () => {
    await replay.close();
    await pool.close();
  });
}
