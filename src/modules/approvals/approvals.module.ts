import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import { approvalsRoutes } from './approvals.routes.js';
import { createApprovalsService } from './approvals.service.js';
import { approvalTimeoutJob } from './approval-timeout.worker.js';

/**
 * Approvals (console-api.md 1.10 and 5) and the timeout worker. Sets `ctx.approvals`, the one
 * decision path shared by the dashboard route and the chat callbacks.
 */
export function registerApprovals(app: FastifyInstance, ctx: AppContext): { jobs: Job[] } {
  const service = createApprovalsService(ctx);
  ctx.approvals = service.api;
  approvalsRoutes(app, service);
  // Notifications still running in the background finish before the database closes.
  app.addHook('onClose', async () => service.drain());
  return { jobs: [approvalTimeoutJob(ctx.deps.config, service)] };
}
