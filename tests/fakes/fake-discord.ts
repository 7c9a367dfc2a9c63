import nacl from 'tweetnacl';
import { HttpFake, type FakeAnswer, type Recorded } from './http-fake.js';

export interface DiscordMessage {
  channel_id: string;
  id: string;
  body: Record<string, unknown>;
  edits: number;
}

/**
 * A fake Discord API v10: `POST /api/v10/channels/{id}/messages` and
 * `PATCH /api/v10/channels/{id}/messages/{message_id}` with `Authorization: Bot <token>`.
 * It also holds an application key pair to sign interactions the way Discord does.
 */
export class FakeDiscord extends HttpFake {
  readonly tokens = new Set<string>();
  readonly messages: DiscordMessage[] = [];
  readonly keys = nacl.sign.keyPair();
  private seq = 1;

  constructor() {
    super((r) => this.route(r));
  }

  get apiBase(): string {
    return `${this.url}/api/v10`;
  }

  get publicKeyHex(): string {
    return Buffer.from(this.keys.publicKey).toString('hex');
  }

  /** X-Signature-Ed25519 for `timestamp + body`. */
  sign(timestamp: string, body: string, secretKey: Uint8Array = this.keys.secretKey): string {
    return Buffer.from(nacl.sign.detached(Buffer.from(timestamp + body, 'utf8'), secretKey)).toString('hex');
  }

  requestFor(approvalId: string): DiscordMessage | undefined {
    return this.messages.find((m) => JSON.stringify(m.body.components ?? []).includes(approvalId) || JSON.stringify(m.body).includes(approvalId));
  }

  private route(r: Recorded): FakeAnswer {
    if ((r.headers.authorization ?? '').replace(/^Bot /, '') === '' || !this.tokens.has((r.headers.authorization ?? '').replace(/^Bot /, ''))) {
      return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
    }
    const post = /^\/api\/v10\/channels\/(\d+)\/messages$/.exec(r.path);
    if (post && r.method === 'POST') {
      if (post[1] === '404404') return { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
      const msg: DiscordMessage = { channel_id: post[1]!, id: String(900000 + this.seq++), body: r.json as Record<string, unknown>, edits: 0 };
      this.messages.push(msg);
      return { status: 200, body: { id: msg.id, channel_id: msg.channel_id } };
    }
    const patch = /^\/api\/v10\/channels\/(\d+)\/messages\/(\d+)$/.exec(r.path);
    if (patch && r.method === 'PATCH') {
      const msg = this.messages.find((m) => m.channel_id === patch[1] && m.id === patch[2]);
      if (!msg) return { status: 404, body: { message: 'Unknown Message', code: 10008 } };
      msg.body = r.json as Record<string, unknown>;
      msg.edits += 1;
      return { status: 200, body: { id: msg.id, channel_id: msg.channel_id } };
    }
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }
}
