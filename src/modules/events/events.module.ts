import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';

/** Audit events, stats, coverage (placeholder until implemented). */
export function registerEvents(_app: FastifyInstance, _ctx: AppContext): { jobs: Job[] } {
  return { jobs: [] };
}
