import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Job } from '../../workers/scheduler.js';
import { discordCallbacks } from './callbacks/discord.callbacks.js';
import { slackCallbacks } from './callbacks/slack.callbacks.js';
import { telegramCallbacks } from './callbacks/telegram.callbacks.js';
import { createAnnouncer } from './announce.js';
import { createChannelsService } from './channels.service.js';
import { createNotificationsRuntime } from './notifications.runtime.js';
import { channelRoutes, deliveryRoutes, manifestRoute } from './notifications.routes.js';
import { createOutbox } from './outbox.worker.js';

export interface FailingChannel {
  id: string;
  name: string;
  channel_type: string;
  last_error: string | null;
}

/**
 * Notification channels, the outbox and its delivery worker, and the verified chat callbacks
 * (issue 4; docs/notifications.md). Sets `ctx.notifier`; approvals call it after commit.
 */
export function registerNotifications(
  app: FastifyInstance,
  ctx: AppContext,
): { jobs: Job[]; failingChannels?: (tenantId: string) => Promise<FailingChannel[]> } {
  const rt = createNotificationsRuntime(ctx);
  const outbox = createOutbox(rt);
  ctx.notifier = outbox.notifier;
  ctx.announcer = createAnnouncer(rt);

  channelRoutes(app, createChannelsService(rt));
  deliveryRoutes(app, rt);
  manifestRoute(app, rt);
  telegramCallbacks(app, rt);
  slackCallbacks(app, rt);
  discordCallbacks(app, rt);

  // A delivery pass in flight finishes before the database closes.
  app.addHook('onClose', () => outbox.close());
  return { jobs: [outbox.job], failingChannels: outbox.failingChannels };
}
