import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';

/** Approvals and the timeout worker (placeholder until implemented). */
export function registerApprovals(_app: FastifyInstance, _ctx: AppContext): { jobs: Job[] } {
  return { jobs: [] };
}
