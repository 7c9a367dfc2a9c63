// Imported by the dashboard too (its channel form validates with these very schemas), so this
// file depends on zod alone: no node modules, no relative imports.
import { z } from 'zod';

/**
 * Per-type channel configuration (console-api.md 6.2), plus what we add: `allowed_approvers` on
 * the interactive types, `smtp_ca_cert` for SMTP servers behind a private CA. Stored encrypted;
 * secret keys are masked in every response.
 */
export const CHANNEL_TYPES = ['telegram', 'slack', 'slack_app', 'discord', 'webhook', 'email'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const secret = (max: number) => z.string().trim().min(1, 'is required').max(max, `must be at most ${max} characters`);
const url = z.string().trim().min(1, 'is required').max(2000, 'must be at most 2000 characters').url('must be a URL');
/** The console admin a chat user acts as for break-glass (`breakglass_admins`), or null. */
export function breakglassAdminOf(config: { breakglass_admins?: string[] | undefined }, chatUserId: string): string | null {
  for (const entry of config.breakglass_admins ?? []) {
    const at = entry.indexOf('=');
    if (entry.slice(0, at) === chatUserId) return entry.slice(at + 1);
  }
  return null;
}

/** Chat user ids allowed to decide; empty or absent = anyone in the chat. */
const allowedApprovers = z
  .array(z.union([z.string().trim().min(1).max(64), z.number().int().nonnegative()]).transform(String))
  .max(200, 'at most 200 approvers')
  .optional();

/**
 * Chat users who may confirm, cancel, disarm and extend break-glass switches from this channel,
 * each mapped to the console admin they act as: `<chat user id>=<console e-mail>`.
 */
const breakglassAdmins = z
  .array(
    z
      .string()
      .trim()
      .max(320, 'must be at most 320 characters')
      .regex(/^[A-Za-z0-9_-]{1,64}=[^\s=@]+@[^\s=@]+$/, 'must be "<chat user id>=<console admin e-mail>", like U0123ABC=alice@example.com'),
  )
  .max(50, 'at most 50 entries')
  .optional();

export const TelegramConfig = z.strictObject({
  bot_token: secret(200).regex(/^\d{1,20}:[A-Za-z0-9_-]{20,120}$/, 'must look like 123456789:AA... (the token from @BotFather)'),
  chat_id: z.union([
    z.number().int(),
    z.string().trim().regex(/^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{3,31})$/, 'must be a numeric chat id or @channelname'),
  ]),
  // Telegram: 1-256 characters, A-Z a-z 0-9 _ - (setWebhook secret_token).
  webhook_secret: z.string().regex(/^[A-Za-z0-9_-]{16,256}$/, 'must be 16-256 characters of A-Z, a-z, 0-9, _ and -').optional(),
  allowed_approvers: allowedApprovers,
  breakglass_admins: breakglassAdmins,
});

export const SlackWebhookConfig = z.strictObject({ webhook_url: url });

export const SlackAppConfig = z.strictObject({
  bot_token: secret(300).regex(/^xox[a-z]-[A-Za-z0-9-]+$/, 'must be a Slack bot token (xoxb-...)'),
  signing_secret: secret(200),
  slack_channel: z.string().trim().min(1, 'is required').max(100).regex(/^[#A-Za-z0-9_.-]+$/, 'must be a channel id (C0123...) or #name'),
  allowed_approvers: allowedApprovers,
  breakglass_admins: breakglassAdmins,
});

export const DiscordConfig = z.strictObject({
  bot_token: secret(300),
  public_key: z.string().trim().regex(/^[0-9a-fA-F]{64}$/, 'must be the 64-hex-character application public key'),
  discord_channel_id: z.string().trim().regex(/^\d{5,25}$/, 'must be a numeric Discord channel id'),
  allowed_approvers: allowedApprovers,
  breakglass_admins: breakglassAdmins,
});

export const WebhookConfig = z.strictObject({
  url,
  secret: z.string().min(16, 'must be at least 16 characters').max(200).optional(),
});

const email = z.string().trim().max(254).email('must be an e-mail address');
export const EmailConfig = z
  .strictObject({
    smtp_host: z.string().trim().min(1, 'is required').max(253).regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a host name or IP address'),
    smtp_port: z.coerce.number().int().min(1).max(65535),
    smtp_user: z.string().max(320).optional(),
    smtp_password: z.string().max(500).optional(),
    from_address: email,
    to_addresses: z.union([z.string().max(5000), z.array(email).min(1).max(50)]),
    smtp_ca_cert: z.string().max(20_000).regex(/-----BEGIN CERTIFICATE-----/, 'must be a PEM certificate').optional(),
  })
  .superRefine((c, ctx) => {
    if (typeof c.to_addresses === 'string') {
      const list = splitAddresses(c.to_addresses);
      if (list.length === 0) ctx.addIssue({ code: 'custom', path: ['to_addresses'], message: 'is required' });
      for (const a of list) {
        if (!email.safeParse(a).success) ctx.addIssue({ code: 'custom', path: ['to_addresses'], message: `"${a.slice(0, 100)}" is not an e-mail address` });
      }
    }
    if (Boolean(c.smtp_user) !== Boolean(c.smtp_password)) {
      ctx.addIssue({ code: 'custom', path: [c.smtp_user ? 'smtp_password' : 'smtp_user'], message: 'smtp_user and smtp_password go together' });
    }
  });

export function splitAddresses(v: string | string[]): string[] {
  const list = Array.isArray(v) ? v : v.split(',');
  return list.map((s) => s.trim()).filter(Boolean);
}

export type TelegramConfigT = z.infer<typeof TelegramConfig>;
export type SlackWebhookConfigT = z.infer<typeof SlackWebhookConfig>;
export type SlackAppConfigT = z.infer<typeof SlackAppConfig>;
export type DiscordConfigT = z.infer<typeof DiscordConfig>;
export type WebhookConfigT = z.infer<typeof WebhookConfig>;
export type EmailConfigT = z.infer<typeof EmailConfig>;

export const CONFIG_SCHEMAS: Record<ChannelType, z.ZodType<Record<string, unknown>>> = {
  telegram: TelegramConfig,
  slack: SlackWebhookConfig,
  slack_app: SlackAppConfig,
  discord: DiscordConfig,
  webhook: WebhookConfig,
  email: EmailConfig,
};

