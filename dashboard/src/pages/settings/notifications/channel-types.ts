import type { ChannelType } from '../../../api/types';

export interface FieldSpec {
  key: string;
  label: string;
  secret?: boolean;
  optional?: boolean;
  placeholder?: string;
  hint?: string;
  type?: 'text' | 'number' | 'list';
  validate?: (v: string) => string | undefined;
}

const req = (label: string) => (v: string) => (v.trim() ? undefined : `Enter the ${label.toLowerCase()}.`);
const url = (v: string) => {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? undefined : 'Use an http(s) URL.';
  } catch {
    return 'Enter a full URL, e.g. https://…';
  }
};
const email = (v: string) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? undefined : 'Enter an email address.');

export const CHANNEL_TYPES: { type: ChannelType; label: string; interactive: boolean; blurb: string; fields: FieldSpec[] }[] = [
  {
    type: 'slack_app',
    label: 'Slack app',
    interactive: true,
    blurb: 'Approve and deny with buttons in Slack.',
    fields: [
      { key: 'bot_token', label: 'Bot token', secret: true, placeholder: 'xoxb-…', validate: (v) => (/^xox[bap]-/.test(v.trim()) ? undefined : 'Slack bot tokens start with xoxb-.') },
      { key: 'signing_secret', label: 'Signing secret', secret: true, validate: req('signing secret') },
      { key: 'slack_channel', label: 'Channel', placeholder: '#approvals or C0123ABC', validate: req('channel') },
    ],
  },
  {
    type: 'slack',
    label: 'Slack webhook',
    interactive: false,
    blurb: 'Posts to a channel with a link to the dashboard.',
    fields: [{ key: 'webhook_url', label: 'Webhook URL', secret: true, placeholder: 'https://hooks.slack.com/services/…', validate: url }],
  },
  {
    type: 'telegram',
    label: 'Telegram',
    interactive: true,
    blurb: 'Approve and deny with inline buttons.',
    fields: [
      { key: 'bot_token', label: 'Bot token', secret: true, placeholder: '123456:ABC-…', validate: (v) => (/^\d+:[\w-]{20,}$/.test(v.trim()) ? undefined : 'Looks like 123456789:AA…, from @BotFather.') },
      { key: 'chat_id', label: 'Chat ID', type: 'number', placeholder: '-1001234567890', validate: (v) => (/^-?\d+$/.test(v.trim()) ? undefined : 'A number (group chats are negative).') },
    ],
  },
  {
    type: 'discord',
    label: 'Discord',
    interactive: true,
    blurb: 'Approve and deny with buttons in a channel.',
    fields: [
      { key: 'bot_token', label: 'Bot token', secret: true, validate: req('bot token') },
      { key: 'public_key', label: 'Application public key', placeholder: '64 hex characters', validate: (v) => (/^[0-9a-fA-F]{64}$/.test(v.trim()) ? undefined : '64 hexadecimal characters, from the Developer Portal.') },
      { key: 'discord_channel_id', label: 'Channel ID', placeholder: '112233445566778899', validate: (v) => (/^\d{5,}$/.test(v.trim()) ? undefined : 'The numeric channel id.') },
    ],
  },
  {
    type: 'webhook',
    label: 'Webhook',
    interactive: false,
    blurb: 'JSON POST to your endpoint, optionally signed (HMAC-SHA256).',
    fields: [
      { key: 'url', label: 'URL', placeholder: 'https://example.com/edictum', validate: url },
      { key: 'secret', label: 'Signing secret', secret: true, optional: true, hint: 'Adds X-Edictum-Signature: sha256=<hmac>.' },
    ],
  },
  {
    type: 'email',
    label: 'Email',
    interactive: false,
    blurb: 'SMTP with STARTTLS; links to the dashboard.',
    fields: [
      { key: 'smtp_host', label: 'SMTP host', placeholder: 'smtp.example.com', validate: req('SMTP host') },
      { key: 'smtp_port', label: 'SMTP port', type: 'number', placeholder: '587', validate: (v) => (/^\d+$/.test(v.trim()) && +v > 0 && +v < 65536 ? undefined : 'A port between 1 and 65535.') },
      { key: 'smtp_user', label: 'SMTP user', validate: req('SMTP user') },
      { key: 'smtp_password', label: 'SMTP password', secret: true, validate: req('SMTP password') },
      { key: 'from_address', label: 'From address', placeholder: 'edictum@example.com', validate: email },
      { key: 'to_addresses', label: 'Recipients', type: 'list', placeholder: 'oncall@example.com', validate: email },
    ],
  },
];

export function typeSpec(t: ChannelType) {
  return CHANNEL_TYPES.find((c) => c.type === t) ?? CHANNEL_TYPES[0]!;
}
