import type { FastifyInstance } from 'fastify';
import { hmacSha256Hex, safeEqual } from '../../../platform/crypto.js';
import { clip } from '../approval-view.js';
import type { TelegramConfigT } from '../channel-config.js';
import { escapeHtml } from '../escape.js';
import type { NotificationsRuntime } from '../notifications.runtime.js';
import { telegramCall, telegramDriver } from '../providers/telegram.js';
import { bgPress, breakGlassFromChat } from './breakglass.callbacks.js';
import {
  type LoadedChannel,
  NOT_ALLOWED,
  approverAllowed,
  decideFromChat,
  failureText,
  header,
  isObj,
  loadChannel,
  logRefusal,
  openApproval,
  parseJson,
  rawBody,
  rawBodyRoutes,
  resultText,
  str,
} from './callback-common.js';

/**
 * POST /api/v1/telegram/webhook/{channel_id}: the URL names one channel; the header
 * X-Telegram-Bot-Api-Secret-Token must equal that channel's webhook_secret (constant time).
 * Buttons: `approve:<id>`, `deny:<id>`, `reason:<id>` ("Deny with reason…": the bot asks with
 * ForceReply and the same user's reply to that prompt, before it expires, carries the reason).
 * After verification the answer is always 200: Telegram retries anything else.
 */
type Channel = LoadedChannel<TelegramConfigT>;
interface TgUser {
  id: string;
  name: string;
}

const PROMPT_TTL_SECONDS = 15 * 60;

function userOf(v: unknown): TgUser | null {
  if (!isObj(v)) return null;
  const id = str(v.id);
  if (!id) return null;
  const username = str(v.username);
  return { id, name: username ?? id };
}

/**
 * The prompt carries `ref:<approval>:<user>:<expiry>:<mac>`, a MAC under the channel's
 * webhook secret, so the reply is verified without server-side state and an agent cannot forge
 * a prompt by writing one into its own request text.
 */
function promptMac(secret: string, channelId: string, approvalId: string, userId: string, exp: number): string {
  return hmacSha256Hex(secret, `telegram-reason|${channelId}|${approvalId}|${userId}|${exp}`).slice(0, 32);
}

export function telegramCallbacks(app: FastifyInstance, rt: NotificationsRuntime): void {
  rawBodyRoutes(app, (scope) => {
    scope.post('/api/v1/telegram/webhook/:channel_id', async (request, reply) => {
      const { channel_id } = request.params as { channel_id: string };
      const ch = await loadChannel<TelegramConfigT>(rt, channel_id, 'telegram');
      if (!ch) return reply.code(404).send({ detail: 'Not Found' });
      const given = header(request, 'x-telegram-bot-api-secret-token');
      const secret = ch.config.webhook_secret;
      if (!secret || !given || !safeEqual(given, secret)) return reply.code(403).send({ detail: 'Invalid secret token.' });
      const update = parseJson(rawBody(request));
      if (isObj(update) && isObj(update.callback_query)) await onCallback(rt, ch, update.callback_query);
      else if (isObj(update) && isObj(update.message)) await onMessage(rt, ch, update.message);
      return reply.code(200).send({ ok: true });
    });
  });
}

async function answer(rt: NotificationsRuntime, ch: Channel, queryId: string, text: string, alert = false): Promise<void> {
  try {
    await telegramCall(rt.io(ch.row.id), ch.config, 'answerCallbackQuery', { callback_query_id: queryId, text, show_alert: alert });
  } catch (err) {
    rt.log.warn({ channel: ch.row.id, err: (err as Error).message }, 'telegram answerCallbackQuery failed');
  }
}

async function onCallback(rt: NotificationsRuntime, ch: Channel, cq: Record<string, unknown>): Promise<void> {
  const queryId = str(cq.id);
  const user = userOf(cq.from);
  const m = /^(approve|deny|reason):([0-9a-f-]{36})$/i.exec(str(cq.data) ?? '');
  if (!queryId || !user) return;
  const bg = /^bg_([a-z]{1,10}):(.{1,40})$/.exec(str(cq.data) ?? '');
  if (bg) return onBreakGlass(rt, ch, queryId, user, bgPress(bg[1], bg[2]), cq.message);
  if (!m) return answer(rt, ch, queryId, 'Unknown action.');
  const [, action, approvalId] = m as unknown as [string, 'approve' | 'deny' | 'reason', string];
  if (!approverAllowed(ch.config, user.id)) {
    logRefusal(rt, ch.row, 'telegram', user.id, approvalId);
    return answer(rt, ch, queryId, NOT_ALLOWED, true);
  }
  if (action === 'reason') return askReason(rt, ch, queryId, user, approvalId, cq.message);
  const approved = action === 'approve';
  const result = await decideFromChat(rt, ch.row, approvalId, { approved, reason: null, decidedBy: `telegram:${user.name}`, decidedVia: 'telegram' });
  return answer(rt, ch, queryId, resultText(result, approved), !result?.ok);
}

/** A break-glass button: the pressed message shows the switch's new state (and its buttons). */
async function onBreakGlass(rt: NotificationsRuntime, ch: Channel, queryId: string, user: TgUser, press: ReturnType<typeof bgPress>, message: unknown): Promise<void> {
  if (!press) return answer(rt, ch, queryId, 'Unknown action.');
  const out = await breakGlassFromChat(rt, ch, 'telegram', user, press);
  if (!out.ok) return answer(rt, ch, queryId, out.text, true);
  const chatId = isObj(message) && isObj(message.chat) ? (message.chat.id as string | number) : undefined;
  const messageId = isObj(message) && typeof message.message_id === 'number' ? message.message_id : undefined;
  try {
    await telegramDriver.breakGlass!(ch.config, out.view, rt.io(ch.row.id), chatId !== undefined && messageId !== undefined ? { chat_id: chatId, message_id: messageId } : null);
  } catch (err) {
    rt.log.warn({ channel: ch.row.id, err: (err as Error).message }, 'telegram break-glass message update failed');
  }
  return answer(rt, ch, queryId, out.text);
}

async function askReason(rt: NotificationsRuntime, ch: Channel, queryId: string, user: TgUser, approvalId: string, message: unknown): Promise<void> {
  const state = await openApproval(rt, ch.row, approvalId);
  if (state !== 'pending') return answer(rt, ch, queryId, failureText(state), true);
  const secret = ch.config.webhook_secret ?? '';
  const exp = Math.floor(rt.ctx.deps.now().getTime() / 1000) + PROMPT_TTL_SECONDS;
  const ref = `ref:${approvalId}:${user.id}:${exp}:${promptMac(secret, ch.row.id, approvalId, user.id, exp)}`;
  const chatId = isObj(message) && isObj(message.chat) ? (message.chat.id as string | number) : ch.config.chat_id;
  const messageId = isObj(message) ? message.message_id : undefined;
  try {
    await telegramCall(rt.io(ch.row.id), ch.config, 'sendMessage', {
      chat_id: chatId,
      parse_mode: 'HTML',
      text: `✍️ <a href="tg://user?id=${escapeHtml(user.id)}">${escapeHtml(clip(user.name, 64))}</a>, reply to this message with the reason for denying. The request stays open until you answer or it expires.\n<code>${ref}</code>`,
      // selective: only the mentioned user gets the reply box.
      reply_markup: { force_reply: true, selective: true, input_field_placeholder: 'Reason for denying' },
      ...(typeof messageId === 'number' ? { reply_parameters: { message_id: messageId, allow_sending_without_reply: true } } : {}),
    });
    await answer(rt, ch, queryId, 'Reply to the prompt with your reason.');
  } catch (err) {
    rt.log.warn({ channel: ch.row.id, err: (err as Error).message }, 'telegram reason prompt failed');
    await answer(rt, ch, queryId, 'Could not ask for a reason — use Deny, or the dashboard.', true);
  }
}

async function onMessage(rt: NotificationsRuntime, ch: Channel, msg: Record<string, unknown>): Promise<void> {
  const prompt = msg.reply_to_message;
  const user = userOf(msg.from);
  const text = str(msg.text);
  if (!isObj(prompt) || !user || text === undefined || !isObj(prompt.from) || prompt.from.is_bot !== true) return;
  const refs = [...(str(prompt.text) ?? '').matchAll(/ref:([0-9a-f-]{36}):(\d{1,20}):(\d{1,12}):([0-9a-f]{32})/g)];
  const last = refs.at(-1);
  if (!last) return;
  const [, approvalId, userId, expText, mac] = last as unknown as [string, string, string, string, string];
  const exp = Number(expText);
  const expected = promptMac(ch.config.webhook_secret ?? '', ch.row.id, approvalId, userId, exp);
  if (!safeEqual(mac, expected) || userId !== user.id) return;
  const chatId = isObj(msg.chat) ? (msg.chat.id as string | number) : ch.config.chat_id;
  const replyTo = typeof msg.message_id === 'number' ? { reply_parameters: { message_id: msg.message_id, allow_sending_without_reply: true } } : {};
  let outcome: string;
  if (exp < rt.ctx.deps.now().getTime() / 1000) outcome = 'This reason prompt has expired — press the button again.';
  else if (!approverAllowed(ch.config, user.id)) {
    logRefusal(rt, ch.row, 'telegram', user.id, approvalId);
    outcome = NOT_ALLOWED;
  } else {
    const result = await decideFromChat(rt, ch.row, approvalId, { approved: false, reason: text, decidedBy: `telegram:${user.name}`, decidedVia: 'telegram' });
    outcome = result?.ok ? 'Denied ❌ — reason recorded.' : resultText(result, false);
  }
  try {
    await telegramCall(rt.io(ch.row.id), ch.config, 'sendMessage', { chat_id: chatId, text: outcome, ...replyTo });
  } catch (err) {
    rt.log.warn({ channel: ch.row.id, err: (err as Error).message }, 'telegram reply failed');
  }
}
