import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { createReplayService, type ReplayService } from '../replay/replay.service.js';
import { replayRoutes } from '../replay/replay.routes.js';
import { createEvaluationPool, type EvaluationPool } from './evaluation-pool.js';
import { createEvaluateService } from './evaluate.service.js';
import { evaluateRoutes } from './evaluate.routes.js';

/** Reference limit: 4 playground evaluations at once (console-api.md §1.5). */
const PLAYGROUND_WORKERS = 4;

/**
 * What the contract engine offers operators (issue 9): the Evaluate playground and fleet replay.
 * Both evaluate on worker threads, never on the event loop. Returns both for the contract library.
 */
export function registerContractTools(app: FastifyInstance, ctx: AppContext): { replay: ReplayService; pool: EvaluationPool } {
  const pool = createEvaluationPool(PLAYGROUND_WORKERS);
  const replay = createReplayService(ctx);
  evaluateRoutes(app, createEvaluateService(ctx, pool));
  replayRoutes(app, replay);
  app.addHook('onClose', async () => {
    await replay.close();
    await pool.close();
  });
  // The contract library (issue 13) replays a change's impact and checks a draft against its event.
  return { replay, pool };
}
