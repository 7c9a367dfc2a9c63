import type { TelegramConfigT } from '../channel-config.js';
import { type ApprovalView, outcomeOf, timeoutLine, truncationNote } from '../approval-view.js';
import type { BgAction, BreakGlassView } from '../breakglass-view.js';
import { escapeHtml, fitEscaped } from '../escape.js';
import { type ChannelDriver, type DriverIo, type ExternalRef, DeliveryError, call, jsonBody, noticeText, postJson, statusText } from './driver.js';

/**
 * Telegram Bot API: HTML parse mode, inline keyboard buttons that come back to
 * POST /api/v1/telegram/webhook/{channel_id}.
 * Outside limits: a message is at most 4096 characters (after entity parsing; we count the
 * escaped text, which is never shorter), callback_data at most 64 bytes.
 */
const MESSAGE_LIMIT = 4096;
const CALLBACK_DATA_LIMIT = 64;

export type TelegramAction = 'approve' | 'deny' | 'reason';

export function callbackData(action: TelegramAction, approvalId: string): string {
  const data = `${action}:${approvalId}`;
  // "reason:" + a 36-char UUID is 43 bytes; guard anyway, Telegram rejects the whole message past 64.
  if (Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_LIMIT) throw new Error('callback_data over 64 bytes');
  return data;
}

/** `bg_<action>:<switch>`: "bg_confirm:" + a 36-char UUID is 47 bytes, under the 64. */
export function bgCallbackData(action: BgAction, switchId: string): string {
  const data = `bg_${action}:${switchId}`;
  if (Buffer.byteLength(data, 'utf8') > CALLBACK_DATA_LIMIT) throw new Error('callback_data over 64 bytes');
  return data;
}

/** A break-glass switch in HTML parse mode: the title bold, every line escaped, its buttons. */
export function telegramBreakGlass(v: BreakGlassView): { text: string; reply_markup: Record<string, unknown> } {
  const link = `<a href="${escapeHtml(v.link)}">Open in the dashboard</a>`;
  const body = fit(v.lines.join('\n'), MESSAGE_LIMIT - link.length - 300);
  const buttons = v.actions.map((a) => ({ text: a.label, callback_data: bgCallbackData(a.action, v.id) }));
  return { text: `<b>${escapeHtml(v.title)}</b>\n${body}\n${link}`, reply_markup: { inline_keyboard: buttons.length ? [buttons] : [] } };
}

function apiUrl(io: DriverIo, token: string, method: string): string {
  return `${io.config.chatApi.telegram}/bot${token}/${method}`;
}

/** One Bot API call; errors become advice (never Telegram's own description text). */
export async function telegramCall(io: DriverIo, cfg: Pick<TelegramConfigT, 'bot_token' | 'chat_id'>, method: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await call(io, 'Telegram', apiUrl(io, cfg.bot_token, method), postJson(payload));
  const body = jsonBody(res);
  if (res.status === 200 && body?.ok === true) return (body.result as Record<string, unknown> | undefined) ?? {};
  const description = typeof body?.description === 'string' ? body.description : '';
  if (method === 'editMessageText' && res.status === 400 && description.includes('message is not modified')) return {};
  throw new DeliveryError(telegramAdvice(res.status, method, cfg));
}

function telegramAdvice(status: number, method: string, cfg: Pick<TelegramConfigT, 'chat_id'>): string {
  const s = statusText(status);
  if (status === 401) return `Telegram rejected the bot token (${s}) — check the token from @BotFather`;
  if (status === 404) return `Telegram answered ${s} — the bot token is malformed or EDICTUM_TELEGRAM_API_BASE is wrong`;
  if (status === 403) return `The bot may not post to chat ${cfg.chat_id} (${s}) — add the bot to the chat again (it was removed or blocked)`;
  if (status === 400 && method === 'editMessageText') return `Telegram refused to edit the message (${s}) — it may have been deleted`;
  if (status === 400) return `Telegram refused the ${method} call (${s}) — check chat_id ${cfg.chat_id} and that the bot is a member of that chat`;
  if (status === 429) return `Telegram is rate-limiting the bot (${s}) — will retry`;
  if (status >= 500) return `Telegram is unavailable (${s}) — will retry`;
  return `Telegram answered ${s} to ${method}`;
}

/** Escaped and cut to a budget, so the whole message provably fits in 4096 characters. */
const fit = (raw: string, budget: number): string => fitEscaped(raw, escapeHtml, budget).text;

function field(label: string, value: string): string {
  return `<b>${label}:</b> <code>${fit(value, 200)}</code>`;
}

/** The message text; with an outcome on top once decided or expired. */
export function telegramText(v: ApprovalView): string {
  const o = outcomeOf(v);
  const head =
    v.status === 'pending'
      ? ['<b>🔔 Approval requested</b>']
      : [`<b>${o.emoji} ${o.title}</b>`, fit(o.line, 500), ...(o.reason ? [`<b>Reason:</b> ${fit(o.reason, 600)}`] : []), ''];
  const lines = [
    ...head,
    field('Agent', v.agentId),
    field('Tool', v.toolName),
    field('Environment', v.env),
    ...(v.contractName ? [field('Contract', v.contractName)] : []),
    `<b>Timeout:</b> ${escapeHtml(timeoutLine(v))}`,
    `<b>Message:</b>`,
    `<blockquote>${fit(v.message, 1000)}</blockquote>`,
    `<b>Arguments:</b>`,
  ];
  const link = `<a href="${escapeHtml(v.link)}">Open in the dashboard</a>`;
  // Room for the <pre> wrapper (45), the truncation note (~150) and newlines.
  const fixed = lines.join('\n').length + link.length + 220;
  const args = fitEscaped(v.argsJson, escapeHtml, Math.max(100, MESSAGE_LIMIT - fixed));
  lines.push(`<pre><code class="language-json">${args.text}</code></pre>`);
  if (args.truncated) lines.push(`<i>${escapeHtml(truncationNote(args.text.length, v.argsJson.length))}</i>`);
  lines.push(link);
  return lines.join('\n');
}

function keyboard(approvalId: string): Record<string, unknown> {
  return {
    inline_keyboard: [
      [
        { text: '✅ Approve', callback_data: callbackData('approve', approvalId) },
        { text: '❌ Deny', callback_data: callbackData('deny', approvalId) },
      ],
      [{ text: '✍️ Deny with reason…', callback_data: callbackData('reason', approvalId) }],
    ],
  };
}

const NO_PREVIEW = { is_disabled: true };

export async function registerTelegramWebhook(cfg: TelegramConfigT, io: DriverIo): Promise<void> {
  await telegramCall(io, cfg, 'setWebhook', {
    url: `${io.config.baseUrl}/api/v1/telegram/webhook/${io.channelId}`,
    secret_token: cfg.webhook_secret,
    // Replies carry the reason for "Deny with reason…".
    allowed_updates: ['callback_query', 'message'],
    drop_pending_updates: true,
  });
}

export const telegramDriver: ChannelDriver<TelegramConfigT> = {
  interactive: true,
  async sendRequest(cfg, view, io) {
    const result = await telegramCall(io, cfg, 'sendMessage', {
      chat_id: cfg.chat_id,
      text: telegramText(view),
      parse_mode: 'HTML',
      link_preview_options: NO_PREVIEW,
      reply_markup: keyboard(view.id),
    });
    return messageRef(result, cfg);
  },
  async sendOutcome(cfg, view, ref, io) {
    const text = telegramText(view);
    if (ref && ref.message_id !== undefined) {
      await telegramCall(io, cfg, 'editMessageText', {
        chat_id: ref.chat_id ?? cfg.chat_id,
        message_id: ref.message_id,
        text,
        parse_mode: 'HTML',
        link_preview_options: NO_PREVIEW,
        // An empty keyboard removes the buttons.
        reply_markup: { inline_keyboard: [] },
      });
      return ref;
    }
    const result = await telegramCall(io, cfg, 'sendMessage', { chat_id: cfg.chat_id, text, parse_mode: 'HTML', link_preview_options: NO_PREVIEW });
    return messageRef(result, cfg);
  },
  async breakGlass(cfg, view, io, ref) {
    const m = telegramBreakGlass(view);
    const common = { parse_mode: 'HTML', link_preview_options: NO_PREVIEW, ...m };
    if (ref && ref.message_id !== undefined) await telegramCall(io, cfg, 'editMessageText', { chat_id: ref.chat_id ?? cfg.chat_id, message_id: ref.message_id, ...common });
    else await telegramCall(io, cfg, 'sendMessage', { chat_id: cfg.chat_id, ...common });
  },
  async notice(cfg, n, io) {
    // No parse_mode: Telegram shows the text as is (4096 characters at most).
    await telegramCall(io, cfg, 'sendMessage', { chat_id: cfg.chat_id, text: noticeText(n), disable_web_page_preview: true });
  },
  async test(cfg, io) {
    await telegramCall(io, cfg, 'sendMessage', { chat_id: cfg.chat_id, text: '✅ Edictum test notification — this channel is working.' });
    // An unsaved channel (no id yet) has no webhook URL to register.
    if (io.config.baseUrlHttps && io.channelId !== '') {
      await registerTelegramWebhook(cfg, io);
      return `Sent a test message to chat ${cfg.chat_id} and registered the webhook for the buttons.`;
    }
    return `Sent a test message to chat ${cfg.chat_id}. Buttons need EDICTUM_BASE_URL to be https (Telegram only calls https webhooks).`;
  },
};

function messageRef(result: Record<string, unknown>, cfg: TelegramConfigT): ExternalRef {
  const chat = result.chat as { id?: unknown } | undefined;
  const chatId = typeof chat?.id === 'number' || typeof chat?.id === 'string' ? chat.id : cfg.chat_id;
  const messageId = result.message_id;
  if (typeof messageId !== 'number') throw new DeliveryError('Telegram accepted the message but returned no message id');
  return { chat_id: chatId, message_id: messageId };
}
