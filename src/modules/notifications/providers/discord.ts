import type { DiscordConfigT } from '../channel-config.js';
import { type ApprovalView, clip, outcomeOf, timeoutLine, truncationNote } from '../approval-view.js';
import type { BgAction, BreakGlassView } from '../breakglass-view.js';
import { codeBlockSafe, escapeDiscord, fitEscaped, inlineCodeSafe } from '../escape.js';
import { type ChannelDriver, type DriverIo, type ExternalRef, DeliveryError, call, jsonBody, noticeText, postJson, statusText } from './driver.js';

/**
 * Discord API v10: an embed with buttons (components) that come back to
 * POST /api/v1/discord/interactions/{channel_id}. Outside limits: content 2,000 characters,
 * embed description 4,096, a field value 1,024, a title 256, all embeds together 6,000,
 * a custom_id 100.
 */
const DESCRIPTION_LIMIT = 4096;
const COLORS = { pending: 0xf5a623, approved: 0x2ecc71, denied: 0xe74c3c, other: 0x99aab5 };

/** Nothing an agent writes may ping anyone, whatever slipped through escaping. */
export const NO_MENTIONS = { parse: [] as string[] };

export type DiscordAction = 'approve' | 'deny' | 'reason';

/** `edictum_<action>:<approval>:<channel>` — 89 characters at most, under Discord's 100. */
export function customId(action: DiscordAction, approvalId: string, channelId: string): string {
  return `edictum_${action}:${approvalId}:${channelId}`;
}

/** `edictum_bg_<action>:<switch>:<channel>` — 92 characters at most, under Discord's 100. */
export function bgCustomId(action: BgAction, switchId: string, channelId: string): string {
  return `edictum_bg_${action}:${switchId}:${channelId}`;
}

/** A break-glass switch: an embed (markdown escaped, nothing pings) with its buttons. */
export function discordBreakGlass(v: BreakGlassView, channelId: string): Record<string, unknown> {
  const color = v.status === 'pending' ? COLORS.pending : v.status === 'active' ? COLORS.denied : COLORS.approved;
  const buttons = v.actions.map((a) => ({ type: 2, style: a.action === 'confirm' || a.action === 'extend' ? 1 : 4, label: a.label, custom_id: bgCustomId(a.action, v.id, channelId) }));
  return {
    content: '',
    embeds: [{ title: clip(v.title, 256), url: v.link, color, description: fitEscaped(v.lines.join('\n'), escapeDiscord, DESCRIPTION_LIMIT - 10).text }],
    components: [{ type: 1, components: [...buttons, { type: 2, style: 5, label: 'View in dashboard', url: v.link }] }],
    allowed_mentions: NO_MENTIONS,
  };
}

const inline = (s: string) => `\`${inlineCodeSafe(clip(s, 255))}\``;

export function discordEmbed(v: ApprovalView): Record<string, unknown> {
  const o = outcomeOf(v);
  const pending = v.status === 'pending';
  const fit = (raw: string, budget: number) => fitEscaped(raw, escapeDiscord, budget).text;
  const head = pending ? '' : `**${o.title}** — ${fit(o.line, 700)}${o.reason ? `\n**Reason:** ${fit(o.reason, 800)}` : ''}\n\n`;
  const message = `**Message**\n${fit(v.message, 1200)}\n\n**Arguments**\n`;
  const budget = DESCRIPTION_LIMIT - head.length - message.length - 200;
  const args = fitEscaped(v.argsJson, codeBlockSafe, Math.max(100, budget));
  const note = args.truncated ? `\n*${escapeDiscord(truncationNote(args.text.length, v.argsJson.length))}*` : '';
  const color = pending ? COLORS.pending : v.status === 'approved' ? COLORS.approved : v.status === 'denied' ? COLORS.denied : COLORS.other;
  return {
    title: pending ? '🔔 Approval requested' : `${o.emoji} Approval ${o.title.toLowerCase()}`,
    url: v.link,
    color,
    description: `${head}${message}\`\`\`json\n${args.text}\n\`\`\`${note}`,
    fields: [
      { name: 'Agent', value: inline(v.agentId), inline: true },
      { name: 'Tool', value: inline(v.toolName), inline: true },
      { name: 'Environment', value: inline(v.env), inline: true },
      ...(v.contractName ? [{ name: 'Contract', value: inline(v.contractName), inline: true }] : []),
      { name: 'Timeout', value: fitEscaped(timeoutLine(v), escapeDiscord, 1024).text, inline: false },
    ],
    timestamp: v.createdAt.toISOString(),
  };
}

function linkButton(v: ApprovalView): Record<string, unknown> {
  return { type: 2, style: 5, label: 'View in dashboard', url: v.link };
}

export function discordComponents(v: ApprovalView, channelId: string): Record<string, unknown>[] {
  if (v.status !== 'pending') return [{ type: 1, components: [linkButton(v)] }];
  return [
    {
      type: 1,
      components: [
        { type: 2, style: 3, label: 'Approve', custom_id: customId('approve', v.id, channelId) },
        { type: 2, style: 4, label: 'Deny…', custom_id: customId('deny', v.id, channelId) },
        linkButton(v),
      ],
    },
  ];
}

/** The message body for a post, an edit, or an interaction's UPDATE_MESSAGE. */
export function discordMessage(v: ApprovalView, channelId: string): Record<string, unknown> {
  return { content: '', embeds: [discordEmbed(v)], components: discordComponents(v, channelId), allowed_mentions: NO_MENTIONS };
}

async function discordCall(io: DriverIo, cfg: DiscordConfigT, method: 'POST' | 'PATCH', path: string, body: unknown): Promise<Record<string, unknown>> {
  const init = { ...postJson(body, { authorization: `Bot ${cfg.bot_token}` }), method };
  const res = await call(io, 'Discord', `${io.config.chatApi.discord}${path}`, init);
  if (res.status >= 200 && res.status < 300) return jsonBody(res) ?? {};
  const s = statusText(res.status);
  const ch = cfg.discord_channel_id;
  if (res.status === 401) throw new DeliveryError(`Discord rejected the bot token (${s}) — copy the bot token from the Developer Portal (Bot → Reset Token)`);
  if (res.status === 403) throw new DeliveryError(`The bot may not post in channel ${ch} (${s}) — invite the bot with the View Channel and Send Messages permissions`);
  if (res.status === 404) throw new DeliveryError(method === 'PATCH' ? `Discord could not find the message to edit (${s}) — it may have been deleted` : `Discord could not find channel ${ch} (${s}) — check discord_channel_id`);
  if (res.status === 429 || res.status >= 500) throw new DeliveryError(`Discord is unavailable or rate-limiting (${s}) — will retry`);
  throw new DeliveryError(`Discord refused the message (${s})`);
}

export const discordDriver: ChannelDriver<DiscordConfigT> = {
  interactive: true,
  async sendRequest(cfg, view, io) {
    const body = await discordCall(io, cfg, 'POST', `/channels/${cfg.discord_channel_id}/messages`, discordMessage(view, io.channelId));
    return discordRef(body, cfg);
  },
  async sendOutcome(cfg, view, ref, io) {
    const message = discordMessage(view, io.channelId);
    if (ref && typeof ref.message_id === 'string') {
      await discordCall(io, cfg, 'PATCH', `/channels/${ref.channel_id ?? cfg.discord_channel_id}/messages/${ref.message_id}`, message);
      return ref;
    }
    return discordRef(await discordCall(io, cfg, 'POST', `/channels/${cfg.discord_channel_id}/messages`, message), cfg);
  },
  async breakGlass(cfg, view, io, ref) {
    const message = discordBreakGlass(view, io.channelId);
    if (ref && typeof ref.message_id === 'string') await discordCall(io, cfg, 'PATCH', `/channels/${ref.channel_id ?? cfg.discord_channel_id}/messages/${ref.message_id}`, message);
    else await discordCall(io, cfg, 'POST', `/channels/${cfg.discord_channel_id}/messages`, message);
  },
  async notice(cfg, n, io) {
    // Discord content is at most 2000 characters; markdown escaped, no mentions.
    const content = escapeDiscord(noticeText(n, 1800));
    await discordCall(io, cfg, 'POST', `/channels/${cfg.discord_channel_id}/messages`, { content, allowed_mentions: NO_MENTIONS });
  },
  async test(cfg, io) {
    await discordCall(io, cfg, 'POST', `/channels/${cfg.discord_channel_id}/messages`, { content: '✅ Edictum test notification — this channel is working.', allowed_mentions: NO_MENTIONS });
    return `Sent a test message to Discord channel ${cfg.discord_channel_id}.`;
  },
};

function discordRef(body: Record<string, unknown>, cfg: DiscordConfigT): ExternalRef {
  if (typeof body.id !== 'string') throw new DeliveryError('Discord accepted the message but returned no message id');
  return { channel_id: typeof body.channel_id === 'string' ? body.channel_id : cfg.discord_channel_id, message_id: body.id };
}
