import type { SlackAppConfigT, SlackWebhookConfigT } from '../channel-config.js';
import { type ApprovalView, clip, outcomeOf, timeoutLine, truncationNote } from '../approval-view.js';
import type { BreakGlassView } from '../breakglass-view.js';
import { codeBlockSafe, escapeSlack, fitEscaped, inlineCodeSafe } from '../escape.js';
import { type ChannelDriver, type DriverIo, type ExternalRef, DeliveryError, call, jsonBody, noticeText, postJson, statusText } from './driver.js';

/**
 * Slack: Block Kit over `chat.postMessage` / `chat.update` (slack_app, interactive) or an
 * incoming webhook (slack, one-way). Outside limits: a section's text is at most 3,000
 * characters, a field 2,000, a header 150, an action_id 255, a button value 2,000.
 */
const SECTION_LIMIT = 3000;

type Block = Record<string, unknown>;

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const code = (s: string, max = 255) => `\`${escapeSlack(inlineCodeSafe(clip(s, max)))}\``;
const quote = (s: string) =>
  escapeSlack(s)
    .split('\n')
    .map((l) => `>${l}`)
    .join('\n');

function detailBlocks(v: ApprovalView): Block[] {
  const fields = [
    mrkdwn(`*Agent*\n${code(v.agentId)}`),
    mrkdwn(`*Tool*\n${code(v.toolName)}`),
    mrkdwn(`*Environment*\n${code(v.env)}`),
    mrkdwn(`*Timeout*\n${escapeSlack(timeoutLine(v))}`),
    ...(v.contractName ? [mrkdwn(`*Contract*\n${code(v.contractName)}`)] : []),
  ];
  const args = fitEscaped(v.argsJson, (s) => escapeSlack(codeBlockSafe(s)), SECTION_LIMIT - 40);
  const blocks: Block[] = [
    { type: 'section', fields },
    { type: 'section', text: mrkdwn(`*Message*\n${fitEscaped(v.message, quote, SECTION_LIMIT - 20).text}`) },
    { type: 'section', text: mrkdwn(`*Arguments*\n\`\`\`${args.text}\`\`\``) },
  ];
  if (args.truncated) blocks.push({ type: 'context', elements: [mrkdwn(`_${escapeSlack(truncationNote(args.text.length, v.argsJson.length))}_`)] });
  return blocks;
}

function linkButton(v: ApprovalView): Block {
  return { type: 'button', action_id: 'edictum_open', text: { type: 'plain_text', text: 'Open in dashboard' }, url: v.link };
}

function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, 150), emoji: true } };
}

function outcomeBlock(v: ApprovalView): Block {
  const o = outcomeOf(v);
  const reason = o.reason ? `\n*Reason:*\n${fitEscaped(o.reason, quote, 1500).text}` : '';
  return { type: 'section', text: mrkdwn(`*${o.title.toUpperCase()}* — ${fitEscaped(o.line, escapeSlack, 1200).text}${reason}`) };
}

export function slackRequestBlocks(v: ApprovalView, channelId: string | null): Block[] {
  const buttons: Block[] = channelId
    ? [
        // The value carries our channel id so the shared interactions path finds the one secret to check.
        { type: 'button', action_id: `edictum_approve:${v.id}`, style: 'primary', value: channelId, text: { type: 'plain_text', text: '✅ Approve' } },
        { type: 'button', action_id: `edictum_deny:${v.id}`, style: 'danger', value: channelId, text: { type: 'plain_text', text: '❌ Deny…' } },
      ]
    : [];
  return [header('🔔 Approval requested'), ...detailBlocks(v), { type: 'actions', block_id: 'edictum_actions', elements: [...buttons, linkButton(v)] }];
}

export function slackOutcomeBlocks(v: ApprovalView): Block[] {
  const o = outcomeOf(v);
  return [header(`${o.emoji} Approval ${o.title.toLowerCase()}`), outcomeBlock(v), ...detailBlocks(v), { type: 'actions', block_id: 'edictum_actions', elements: [linkButton(v)] }];
}

function fallbackText(v: ApprovalView): string {
  const o = outcomeOf(v);
  const what = `${escapeSlack(clip(v.agentId, 100))} wants to call ${escapeSlack(clip(v.toolName, 100))}`;
  return v.status === 'pending' ? `Approval requested: ${what}` : `${o.emoji} ${o.title}: ${what}`;
}

/** A break-glass switch: every line escaped; buttons `edictum_bg_<action>:<switch>` carry our channel id. */
export function slackBreakGlassBlocks(v: BreakGlassView, channelId: string): Block[] {
  const body = fitEscaped(v.lines.join('\n'), escapeSlack, SECTION_LIMIT - 10).text;
  const buttons: Block[] = v.actions.map((a) => ({
    type: 'button',
    action_id: `edictum_bg_${a.action}:${v.id}`,
    value: channelId,
    text: { type: 'plain_text', text: a.label },
    ...(a.action === 'confirm' ? { style: 'primary' } : a.action === 'disarm' || a.action === 'cancel' ? { style: 'danger' } : {}),
  }));
  const open = { type: 'button', action_id: 'edictum_open', text: { type: 'plain_text', text: 'Open in dashboard' }, url: v.link };
  return [header(v.title), { type: 'section', text: mrkdwn(body) }, { type: 'actions', block_id: 'edictum_bg_actions', elements: [...buttons, open] }];
}

// ---------- slack_app: the Web API ----------

export async function slackApi(io: DriverIo, token: string, method: string, payload: Record<string, unknown>, context = ''): Promise<Record<string, unknown>> {
  const res = await call(io, 'Slack', `${io.config.chatApi.slack}/${method}`, postJson(payload, { authorization: `Bearer ${token}` }));
  const body = jsonBody(res);
  if (res.status === 200 && body?.ok === true) return body;
  if (res.status !== 200 || !body) {
    const s = statusText(res.status);
    throw new DeliveryError(res.status === 429 || res.status >= 500 ? `Slack is unavailable or rate-limiting (${s}) — will retry` : `Slack answered ${s} to ${method}`);
  }
  throw new DeliveryError(slackAdvice(typeof body.error === 'string' ? body.error : '', context));
}

function slackAdvice(error: string, channel: string): string {
  // Slack's error codes are fixed identifiers; anything else is not repeated.
  const code = /^[a-z_]{1,60}$/.test(error) ? error : 'unknown_error';
  if (['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired'].includes(code))
    return `Slack rejected the bot token (${code}) — reinstall the app and copy the Bot User OAuth Token (xoxb-…)`;
  if (code === 'channel_not_found') return `Slack could not find channel ${channel} (channel_not_found) — use the channel id (C0123…) and invite the app`;
  if (code === 'not_in_channel') return `The app is not a member of ${channel} (not_in_channel) — run /invite @edictum in that channel`;
  if (code === 'missing_scope') return 'The app lacks the chat:write scope (missing_scope) — add it in the app settings and reinstall';
  if (code === 'message_not_found' || code === 'cant_update_message') return `Slack could not update the message (${code}) — it may have been deleted`;
  if (code === 'ratelimited') return 'Slack is rate-limiting the app (ratelimited) — will retry';
  return `Slack refused the call (${code})`;
}

export const slackAppDriver: ChannelDriver<SlackAppConfigT> = {
  interactive: true,
  async sendRequest(cfg, view, io) {
    const body = await slackApi(io, cfg.bot_token, 'chat.postMessage', { channel: cfg.slack_channel, text: fallbackText(view), blocks: slackRequestBlocks(view, io.channelId), unfurl_links: false }, cfg.slack_channel);
    return slackRef(body, cfg);
  },
  async sendOutcome(cfg, view, ref, io) {
    const payload = { text: fallbackText(view), blocks: slackOutcomeBlocks(view) };
    if (ref && typeof ref.ts === 'string') {
      await slackApi(io, cfg.bot_token, 'chat.update', { channel: ref.channel ?? cfg.slack_channel, ts: ref.ts, ...payload }, cfg.slack_channel);
      return ref;
    }
    return slackRef(await slackApi(io, cfg.bot_token, 'chat.postMessage', { channel: cfg.slack_channel, ...payload }, cfg.slack_channel), cfg);
  },
  async notice(cfg, n, io) {
    await slackApi(io, cfg.bot_token, 'chat.postMessage', { channel: cfg.slack_channel, text: escapeSlack(noticeText(n)), unfurl_links: false }, cfg.slack_channel);
  },
  async breakGlass(cfg, view, io, ref) {
    const payload = { text: escapeSlack(clip(view.title, 150)), blocks: slackBreakGlassBlocks(view, io.channelId), unfurl_links: false };
    if (ref && typeof ref.ts === 'string') await slackApi(io, cfg.bot_token, 'chat.update', { channel: ref.channel ?? cfg.slack_channel, ts: ref.ts, ...payload }, cfg.slack_channel);
    else await slackApi(io, cfg.bot_token, 'chat.postMessage', { channel: cfg.slack_channel, ...payload }, cfg.slack_channel);
  },
  async test(cfg, io) {
    await slackApi(io, cfg.bot_token, 'chat.postMessage', { channel: cfg.slack_channel, text: '✅ Edictum test notification — this channel is working.' }, cfg.slack_channel);
    return `Sent a test message to ${cfg.slack_channel}.`;
  },
};

function slackRef(body: Record<string, unknown>, cfg: SlackAppConfigT): ExternalRef {
  if (typeof body.ts !== 'string') throw new DeliveryError('Slack accepted the message but returned no ts');
  return { channel: typeof body.channel === 'string' ? body.channel : cfg.slack_channel, ts: body.ts };
}

// ---------- slack: incoming webhook (one-way) ----------

async function postWebhook(io: DriverIo, cfg: SlackWebhookConfigT, payload: Record<string, unknown>): Promise<void> {
  const res = await call(io, 'Slack incoming webhook', cfg.webhook_url, postJson(payload));
  if (res.status >= 200 && res.status < 300) return;
  const s = statusText(res.status);
  if ([403, 404, 410].includes(res.status)) throw new DeliveryError(`Slack rejected the incoming-webhook URL (${s}) — the webhook was removed or the URL is wrong; create a new one`);
  if (res.status === 429 || res.status >= 500) throw new DeliveryError(`Slack is unavailable or rate-limiting (${s}) — will retry`);
  throw new DeliveryError(`Slack refused the message (${s})`);
}

export const slackWebhookDriver: ChannelDriver<SlackWebhookConfigT> = {
  interactive: false,
  async sendRequest(cfg, view, io) {
    await postWebhook(io, cfg, { text: fallbackText(view), blocks: slackRequestBlocks(view, null), unfurl_links: false });
    return null;
  },
  async sendOutcome(cfg, view, _ref, io) {
    const o = outcomeOf(view);
    const what = `${code(view.toolName)} for ${code(view.agentId)} (approval \`${view.id.slice(0, 8)}\`)`;
    const reason = o.reason ? `\n${fitEscaped(o.reason, quote, 1200).text}` : '';
    const text = `${o.emoji} *${o.title}*: ${what}\n${fitEscaped(o.line, escapeSlack, 1000).text}${reason}`;
    await postWebhook(io, cfg, { text: fallbackText(view), blocks: [{ type: 'section', text: mrkdwn(text) }, { type: 'actions', elements: [linkButton(view)] }] });
    return null;
  },
  async notice(cfg, n, io) {
    await postWebhook(io, cfg, { text: escapeSlack(noticeText(n)), unfurl_links: false });
  },
  async test(cfg, io) {
    await postWebhook(io, cfg, { text: '✅ Edictum test notification — this channel is working.' });
    return 'Sent a test message through the incoming webhook.';
  },
};
