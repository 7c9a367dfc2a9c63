import { CONFIG_SCHEMAS } from '../../../api/channel-config';
import type { ChannelType } from '../../../api/types';

export interface FieldSpec {
  key: string;
  label: string;
  secret?: boolean;
  optional?: boolean;
  placeholder?: string;
  hint?: string;
  /** text (default), a list of chips, or a multi-line text (a PEM certificate). */
  type?: 'text' | 'number' | 'list' | 'multiline';
  /** Checks one chip of a list before it is added (the whole config is checked by the schema). */
  validateItem?: (v: string) => string | undefined;
}

const emailItem = (v: string) => (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? undefined : 'not an e-mail address.');
const approverItem = (v: string) => (v.trim().length > 64 ? 'at most 64 characters.' : undefined);

function approvers(who: string): FieldSpec {
  return {
    key: 'allowed_approvers',
    label: 'Allowed approvers',
    type: 'list',
    optional: true,
    placeholder: who,
    hint: 'Only these people may press Approve or Deny. Empty: anyone in the chat.',
    validateItem: approverItem,
  };
}

const adminItem = (v: string) =>
  /^[A-Za-z0-9_-]{1,64}=[^\s=@]+@[^\s=@]+$/.test(v.trim()) ? undefined : 'write <chat user id>=<console admin e-mail>.';

function breakglassAdmins(who: string): FieldSpec {
  return {
    key: 'breakglass_admins',
    label: 'Break-glass admins',
    type: 'list',
    optional: true,
    placeholder: `${who}=alice@example.com`,
    hint: 'Chat users who may confirm, cancel, disarm and extend break-glass switches here, and the console admin each acts as. Each admin links their own chat account: you may add or change only entries with your own e-mail, and remove any. Empty: nobody.',
    validateItem: adminItem,
  };
}

export interface ChannelTypeSpec {
  type: ChannelType;
  label: string;
  interactive: boolean;
  blurb: string;
  fields: FieldSpec[];
}

export const CHANNEL_TYPES: ChannelTypeSpec[] = [
  {
    type: 'slack_app',
    label: 'Slack app',
    interactive: true,
    blurb: 'Approve and deny with buttons in Slack.',
    fields: [
      { key: 'bot_token', label: 'Bot token', secret: true, placeholder: 'xoxb-…', hint: 'OAuth & Permissions → Bot User OAuth Token.' },
      { key: 'signing_secret', label: 'Signing secret', secret: true, hint: 'Basic Information → App Credentials.' },
      { key: 'slack_channel', label: 'Channel', placeholder: 'C0123ABC or #approvals', hint: 'Invite the app there: /invite @edictum.' },
      approvers('Slack member ids (U0…)'),
      breakglassAdmins('U0123ABC'),
    ],
  },
  {
    type: 'slack',
    label: 'Slack webhook',
    interactive: false,
    blurb: 'Posts to a channel with a link to the dashboard.',
    fields: [{ key: 'webhook_url', label: 'Webhook URL', secret: true, placeholder: 'https://hooks.slack.com/services/…' }],
  },
  {
    type: 'telegram',
    label: 'Telegram',
    interactive: true,
    blurb: 'Approve and deny with inline buttons.',
    fields: [
      { key: 'bot_token', label: 'Bot token', secret: true, placeholder: '123456789:AA…', hint: 'From @BotFather.' },
      { key: 'chat_id', label: 'Chat ID', placeholder: '-1001234567890 or @channelname', hint: 'A numeric chat id (groups are negative) or a public @channel.' },
      {
        key: 'webhook_secret',
        label: 'Webhook secret',
        secret: true,
        optional: true,
        hint: 'Telegram sends it back with every button press. Generated when left empty.',
      },
      approvers('Telegram user ids'),
      breakglassAdmins('123456789'),
    ],
  },
  {
    type: 'discord',
    label: 'Discord',
    interactive: true,
    blurb: 'Approve and deny with buttons in a channel.',
    fields: [
      { key: 'bot_token', label: 'Bot token', secret: true, hint: 'Developer Portal → Bot → Reset Token.' },
      { key: 'public_key', label: 'Application public key', placeholder: '64 hex characters', hint: 'Developer Portal → General Information.' },
      { key: 'discord_channel_id', label: 'Channel ID', placeholder: '112233445566778899', hint: 'Developer Mode on, right-click the channel, Copy ID.' },
      approvers('Discord user ids'),
      breakglassAdmins('123456789012345678'),
    ],
  },
  {
    type: 'webhook',
    label: 'Webhook',
    interactive: false,
    blurb: 'JSON POST to your endpoint, signed (HMAC-SHA256).',
    fields: [
      { key: 'url', label: 'URL', placeholder: 'https://example.com/edictum' },
      { key: 'secret', label: 'Signing secret', secret: true, optional: true, hint: 'At least 16 characters; generated when left empty. Signs X-Edictum-Signature.' },
    ],
  },
  {
    type: 'email',
    label: 'Email',
    interactive: false,
    blurb: 'SMTP with TLS; links to the dashboard.',
    fields: [
      { key: 'smtp_host', label: 'SMTP host', placeholder: 'smtp.example.com' },
      { key: 'smtp_port', label: 'SMTP port', type: 'number', placeholder: '587', hint: '465 is implicit TLS; any other port uses STARTTLS.' },
      { key: 'smtp_user', label: 'SMTP user', optional: true, hint: 'With the password, or neither.' },
      { key: 'smtp_password', label: 'SMTP password', secret: true, optional: true },
      { key: 'from_address', label: 'From address', placeholder: 'edictum@example.com' },
      { key: 'to_addresses', label: 'Recipients', type: 'list', placeholder: 'oncall@example.com', validateItem: emailItem },
      {
        key: 'smtp_ca_cert',
        label: 'CA certificate',
        type: 'multiline',
        optional: true,
        placeholder: '-----BEGIN CERTIFICATE-----',
        hint: 'PEM of a private CA, when the SMTP server’s certificate is not from a public one.',
      },
    ],
  },
];

export function typeSpec(t: ChannelType): ChannelTypeSpec {
  return CHANNEL_TYPES.find((c) => c.type === t) ?? CHANNEL_TYPES[0]!;
}

/**
 * Checks a config with the API's own schema and returns a message per field. Secrets left
 * unchanged on an edit are sent back masked (the API keeps the stored value), so issues on
 * those are not the user's to fix and are dropped.
 */
export function validateConfig(type: ChannelType, config: Record<string, unknown>, unchangedSecrets: readonly string[] = []): Record<string, string> {
  const r = CONFIG_SCHEMAS[type].safeParse(config);
  if (r.success) return {};
  const out: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? 'form');
    if (unchangedSecrets.includes(key)) continue;
    out[key] ??= config[key] === undefined ? 'Required.' : sentence(issue.message);
  }
  return out;
}

function sentence(msg: string): string {
  const m = msg.charAt(0).toUpperCase() + msg.slice(1);
  return /[.!?]$/.test(m) ? m : `${m}.`;
}
