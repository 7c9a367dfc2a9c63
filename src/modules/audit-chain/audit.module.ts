import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import { auditRoutes } from './audit.routes.js';
import type { Checkpointer } from './checkpoint.service.js';
import { createEvidenceService } from './evidence.service.js';
import { otlpExportJob } from './otlp-export.worker.js';
import { createVerifier } from './verify.service.js';

/**
 * The audit chain's read side (verify, evidence pack, exports) and its jobs: periodic signed
 * checkpoints and, when configured, the continuous OTLP export. The write side is
 * chain.append.ts, called inside the transactions of the modules whose rows it covers.
 */
export function registerAudit(app: FastifyInstance, ctx: AppContext, checkpointer: Checkpointer): { jobs: Job[] } {
  const verifier = createVerifier(ctx.deps.database);
  const evidence = createEvidenceService(ctx, checkpointer, verifier);
  auditRoutes(app, ctx, { verifier, evidence });
  const jobs = [checkpointer.job(ctx.deps.config.auditCheckpointMinutes)];
  const otlp = otlpExportJob(ctx);
  if (otlp) jobs.push(otlp);
  return { jobs };
}
