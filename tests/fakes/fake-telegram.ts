import { HttpFake, type FakeAnswer, type Recorded } from './http-fake.js';

export interface TgMessage {
  chat_id: string;
  message_id: number;
  text: string;
  parse_mode?: string;
  reply_markup?: { inline_keyboard?: { text: string; callback_data?: string }[][]; force_reply?: boolean };
  edits: number;
}

/**
 * A fake Telegram Bot API: `POST /bot<token>/<method>` for sendMessage, editMessageText,
 * answerCallbackQuery, setWebhook and getMe, answering like Telegram (`{ok, result}` or
 * `{ok:false, error_code, description}`). Only tokens in `tokens` are valid.
 */
export class FakeTelegram extends HttpFake {
  readonly tokens = new Set<string>();
  readonly messages: TgMessage[] = [];
  readonly answers: { callback_query_id: string; text?: string; show_alert?: boolean }[] = [];
  readonly webhooks: { token: string; url: string; secret_token?: string; allowed_updates?: string[] }[] = [];
  private nextId = 100;

  constructor() {
    super((r) => this.route(r));
  }

  /** The request message for an approval (its buttons carry the approval id). */
  requestFor(approvalId: string): TgMessage | undefined {
    return this.messages.find((m) => JSON.stringify(m.reply_markup ?? {}).includes(approvalId) || m.text.includes(`id=${approvalId}`));
  }

  private route(r: Recorded): FakeAnswer {
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(r.path);
    if (!m || r.method !== 'POST') return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found' } };
    const [, token, method] = m as unknown as [string, string, string];
    if (!this.tokens.has(token)) return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
    const p = (r.json ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'getMe':
        return ok({ id: 1, is_bot: true, username: 'edictum_test_bot' });
      case 'sendMessage': {
        if (String(p.chat_id) === '-404') return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found <script>' } };
        const msg: TgMessage = { chat_id: String(p.chat_id), message_id: this.nextId++, text: String(p.text), parse_mode: p.parse_mode as string, reply_markup: p.reply_markup as TgMessage['reply_markup'], edits: 0 };
        this.messages.push(msg);
        return ok({ message_id: msg.message_id, chat: { id: Number(p.chat_id) }, text: msg.text });
      }
      case 'editMessageText': {
        const msg = this.messages.find((x) => x.chat_id === String(p.chat_id) && x.message_id === p.message_id);
        if (!msg) return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' } };
        msg.text = String(p.text);
        msg.reply_markup = p.reply_markup as TgMessage['reply_markup'];
        msg.edits += 1;
        return ok({ message_id: msg.message_id, chat: { id: Number(p.chat_id) } });
      }
      case 'answerCallbackQuery':
        this.answers.push(p as (typeof this.answers)[number]);
        return ok(true);
      case 'setWebhook':
        this.webhooks.push({ token, ...(p as { url: string }) });
        return ok(true);
      default:
        return { status: 404, body: { ok: false, error_code: 404, description: 'Not Found: method not found' } };
    }
  }
}

function ok(result: unknown): FakeAnswer {
  return { status: 200, body: { ok: true, result } };
}

let updateId = 1;
/** A Telegram update for a button press. */
export function callbackUpdate(msg: TgMessage, data: string, from: { id: number; username?: string }): Record<string, unknown> {
  return {
    update_id: updateId++,
    callback_query: {
      id: `cq${updateId}`,
      from: { id: from.id, is_bot: false, first_name: 'T', ...(from.username ? { username: from.username } : {}) },
      message: { message_id: msg.message_id, chat: { id: Number(msg.chat_id), type: 'group' }, text: msg.text },
      chat_instance: '1',
      data,
    },
  };
}

/** A Telegram update for a text reply to `to` (a message the bot sent). */
export function replyUpdate(to: TgMessage, text: string, from: { id: number; username?: string }): Record<string, unknown> {
  return {
    update_id: updateId++,
    message: {
      message_id: 9000 + updateId,
      from: { id: from.id, is_bot: false, first_name: 'T', ...(from.username ? { username: from.username } : {}) },
      chat: { id: Number(to.chat_id), type: 'group' },
      text,
      // Telegram gives the replied-to message as plain text (entities stripped of markup).
      reply_to_message: { message_id: to.message_id, from: { id: 1, is_bot: true, first_name: 'edictum' }, chat: { id: Number(to.chat_id) }, text: to.text.replace(/<[^>]+>/g, '') },
    },
  };
}
