import { createHmac } from 'node:crypto';
import { HttpFake, type FakeAnswer, type Recorded } from './http-fake.js';

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Record<string, unknown>[];
  updates: number;
}

/**
 * A fake Slack: the Web API under `/api/<method>` (chat.postMessage, chat.update,
 * chat.postEphemeral, views.open; Bearer token checked, errors as `{ok:false, error}` with HTTP
 * 200 like Slack) and incoming webhooks under `/hooks/...` (answers "ok").
 */
export class FakeSlack extends HttpFake {
  readonly tokens = new Set<string>();
  readonly messages: SlackMessage[] = [];
  readonly ephemerals: { channel: string; user: string; text: string }[] = [];
  readonly views: { trigger_id: string; view: Record<string, unknown> }[] = [];
  readonly hookPosts: Recorded[] = [];
  private seq = 1;

  constructor() {
    super((r) => this.route(r));
  }

  get apiBase(): string {
    return `${this.url}/api`;
  }

  requestFor(approvalId: string): SlackMessage | undefined {
    return this.messages.find((m) => JSON.stringify(m.blocks).includes(`edictum_approve:${approvalId}`) || JSON.stringify(m.blocks).includes(approvalId));
  }

  private route(r: Recorded): FakeAnswer {
    if (r.path.startsWith('/hooks/')) {
      this.hookPosts.push(r);
      return { status: 200, body: 'ok' };
    }
    const method = r.path.replace(/^\/api\//, '');
    const token = (r.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!this.tokens.has(token)) return { status: 200, body: { ok: false, error: 'invalid_auth' } };
    const p = (r.json ?? {}) as Record<string, unknown>;
    switch (method) {
      case 'chat.postMessage': {
        if (p.channel === 'C404') return { status: 200, body: { ok: false, error: 'channel_not_found' } };
        const msg: SlackMessage = { channel: String(p.channel), ts: `1700000000.${String(this.seq++).padStart(6, '0')}`, text: String(p.text ?? ''), blocks: (p.blocks as SlackMessage['blocks']) ?? [], updates: 0 };
        this.messages.push(msg);
        return { status: 200, body: { ok: true, channel: msg.channel, ts: msg.ts } };
      }
      case 'chat.update': {
        const msg = this.messages.find((m) => m.ts === p.ts && m.channel === p.channel);
        if (!msg) return { status: 200, body: { ok: false, error: 'message_not_found' } };
        msg.text = String(p.text ?? '');
        msg.blocks = (p.blocks as SlackMessage['blocks']) ?? [];
        msg.updates += 1;
        return { status: 200, body: { ok: true, channel: msg.channel, ts: msg.ts } };
      }
      case 'chat.postEphemeral':
        this.ephemerals.push(p as (typeof this.ephemerals)[number]);
        return { status: 200, body: { ok: true, message_ts: '1.1' } };
      case 'views.open':
        this.views.push(p as (typeof this.views)[number]);
        return { status: 200, body: { ok: true, view: { id: 'V1' } } };
      default:
        return { status: 200, body: { ok: false, error: 'unknown_method' } };
    }
  }
}

/** Slack's v0 request signature over `v0:<ts>:<body>`. */
export function slackSignature(secret: string, ts: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
}

/** The form body Slack posts: `payload=<url-encoded JSON>`. */
export function slackForm(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
