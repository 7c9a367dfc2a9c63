import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { createEvaluationPool } from '../evaluate/evaluation-pool.js';
import { createAiSettingsService } from './ai-settings.service.js';
import { aiSettingsRoutes, assistantRoutes } from './assistant.routes.js';
import { createAssistantService } from './assistant.service.js';

/** Proofs run at once per process; each holds one worker thread (evaluation never runs on the event loop). */
const PROOF_WORKERS = 2;

/**
 * The contract assistant (issue 14; docs/assistant.md): per-tenant AI provider settings and usage,
 * the grounded, proof-carrying assistant stream, and generate-description.
 */
export function registerAssistant(app: FastifyInstance, ctx: AppContext): void {
  const pool = createEvaluationPool(PROOF_WORKERS);
  const settings = createAiSettingsService(ctx);
  aiSettingsRoutes(app, settings);
  assistantRoutes(app, createAssistantService(ctx, settings, pool));
  app.addHook('onClose', () => pool.close());
}
