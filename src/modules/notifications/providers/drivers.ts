import type { ChannelType } from '../channel-config.js';
import type { ChannelDriver } from './driver.js';
import { discordDriver } from './discord.js';
import { emailDriver } from './email.js';
import { slackAppDriver, slackWebhookDriver } from './slack.js';
import { telegramDriver } from './telegram.js';
import { webhookDriver } from './webhook.js';

/**
 * The driver for each channel type. Configs reaching a driver were validated by that type's
 * schema (channel-config.ts), hence the widening cast here and nowhere else.
 */
export const DRIVERS: Record<ChannelType, ChannelDriver<Record<string, unknown>>> = {
  telegram: telegramDriver as unknown as ChannelDriver<Record<string, unknown>>,
  slack: slackWebhookDriver as unknown as ChannelDriver<Record<string, unknown>>,
  slack_app: slackAppDriver as unknown as ChannelDriver<Record<string, unknown>>,
  discord: discordDriver as unknown as ChannelDriver<Record<string, unknown>>,
  webhook: webhookDriver as unknown as ChannelDriver<Record<string, unknown>>,
  email: emailDriver as unknown as ChannelDriver<Record<string, unknown>>,
};
