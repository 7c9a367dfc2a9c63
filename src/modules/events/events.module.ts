import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import { eventsRoutes } from './events.routes.js';
import { minuteCountsCompactionJob } from './events.rollup.js';
import { statsRoutes } from '../stats/stats.routes.js';
import { coverageRoutes } from '../coverage/coverage.routes.js';

/**
 * Audit events (ingest, search, facets, histogram, purge), dashboard stats, and the coverage
 * and history views built on events. Partition upkeep is the app-wide partition job; the
 * per-minute counts the histogram reads are compacted by the events module's own job.
 */
export function registerEvents(app: FastifyInstance, ctx: AppContext): { jobs: Job[] } {
  eventsRoutes(app, ctx);
  statsRoutes(app, ctx);
  coverageRoutes(app, ctx);
  return { jobs: [minuteCountsCompactionJob(ctx.deps.database)] };
}
