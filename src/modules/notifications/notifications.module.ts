import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';

/** Notification channels, the outbox and chat callbacks (issue 4). Sets `ctx.notifier`. */
export function registerNotifications(
  _app: FastifyInstance,
  _ctx: AppContext,
): { jobs: Job[]; failingChannels?: (tenantId: string) => Promise<{ id: string; name: string; channel_type: string; last_error: string | null }[]> } {
  return { jobs: [] };
}
