import { randomToken } from '../../platform/crypto.js';
import type { ChannelType } from './channel-config.schemas.js';

// The schemas live in their own zod-only file so the dashboard can import them; re-exported
// here so the server's imports stay as they were.
export {
  CHANNEL_TYPES,
  CONFIG_SCHEMAS,
  DiscordConfig,
  EmailConfig,
  SlackAppConfig,
  SlackWebhookConfig,
  splitAddresses,
  TelegramConfig,
  WebhookConfig,
} from './channel-config.schemas.js';
export type {
  ChannelType,
  DiscordConfigT,
  EmailConfigT,
  SlackAppConfigT,
  SlackWebhookConfigT,
  TelegramConfigT,
  WebhookConfigT,
} from './channel-config.schemas.js';

export const SECRET_KEYS: Record<ChannelType, readonly string[]> = {
  telegram: ['bot_token', 'webhook_secret'],
  slack: ['webhook_url'],
  slack_app: ['bot_token', 'signing_secret'],
  discord: ['bot_token'],
  webhook: ['secret'],
  email: ['smtp_password'],
};

/** Secrets generated when absent (kept across updates that leave them out). */
const GENERATED: Partial<Record<ChannelType, string>> = { telegram: 'webhook_secret', webhook: 'secret' };

/** Masking rule of console-api.md 6.2: > 8 chars → first 4 + •••• + last 4; else 8 dots; "" stays. */
export function maskValue(v: string): string {
  if (v === '') return '';
  return v.length > 8 ? `${v.slice(0, 4)}••••${v.slice(-4)}` : '••••••••';
}

export function maskConfig(type: string, config: Record<string, unknown>): Record<string, unknown> {
  const secrets = SECRET_KEYS[type as ChannelType] ?? [];
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    out[k] = secrets.includes(k) && typeof v === 'string' ? maskValue(v) : v;
  }
  return out;
}

/**
 * An update that sends back a masked value keeps the stored secret (the dashboard never has to
 * re-enter secrets). Generated secrets left out of an update are kept too.
 */
export function restoreSecrets(type: ChannelType, incoming: Record<string, unknown>, stored: Record<string, unknown> | null): Record<string, unknown> {
  const out = { ...incoming };
  for (const key of SECRET_KEYS[type]) {
    const old = stored?.[key];
    if (typeof old !== 'string') continue;
    if (out[key] === maskValue(old)) out[key] = old;
  }
  const gen = GENERATED[type];
  if (gen && (out[gen] === undefined || out[gen] === '')) {
    const old = stored?.[gen];
    out[gen] = typeof old === 'string' && old !== '' ? old : randomToken(32);
  }
  return out;
}
