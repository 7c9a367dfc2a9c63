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
  // The AI SDK prints its warnings to the console unless this process-wide hook says otherwise
  // (its only door): they go to the log instead, like everything else.
  const log = ctx.deps.logger.child({ module: 'assistant' });
  (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = ({ warnings, provider, model }: { warnings: unknown[]; provider?: string; model?: string }) =>
    log.debug({ warnings, provider, model }, 'AI SDK warnings');
  const pool = createEvaluationPool(PROOF_WORKERS);
  const settings = createAiSettingsService(ctx);
  aiSettingsRoutes(app, settings);
  assistantRoutes(app, createAssistantService(ctx, settings, pool), ctx.deps.config.sseKeepaliveSeconds);
  app.addHook('onClose', () => pool.close());
}
