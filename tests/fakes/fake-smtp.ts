import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { WAIT_MS } from '../helpers/wait.js';

export const SMTP_CERT = readFileSync(new URL('./fixtures/smtp-cert.pem', import.meta.url), 'utf8');
const SMTP_KEY = readFileSync(new URL('./fixtures/smtp-key.pem', import.meta.url), 'utf8');

export interface ReceivedMail {
  from: string;
  to: string[];
  /** Whether the session had switched to TLS (STARTTLS) before the message. */
  secure: boolean;
  user: string | undefined;
  raw: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 offering STARTTLS with the
 * self-signed test certificate, requiring AUTH (only after TLS). It decodes what it receives
 * (quoted-printable / base64 parts, encoded-word subjects) so tests can read the message.
 */
export class FakeSmtp {
  readonly mails: ReceivedMail[] = [];
  port = 0;
  private server: SMTPServer;
  private waiters: ((m: ReceivedMail) => void)[] = [];

  /** Login attempts seen (a password must never arrive before TLS). */
  readonly authAttempts: { user: string; secure: boolean }[] = [];

  constructor(readonly user = 'mailer', readonly password = 'mail-password-123', opts: { offerStartTls?: boolean } = {}) {
    this.server = new SMTPServer({
      secure: false,
      // A server without STARTTLS (that would accept AUTH in the clear) tests requireTLS.
      disabledCommands: opts.offerStartTls === false ? ['STARTTLS'] : [],
      allowInsecureAuth: opts.offerStartTls === false,
      key: SMTP_KEY,
      cert: SMTP_CERT,
      logger: false,
      authMethods: ['PLAIN', 'LOGIN'],
      onAuth: (auth, session, cb) => {
        this.authAttempts.push({ user: auth.username ?? '', secure: session.secure });
        if (auth.username === this.user && auth.password === this.password) cb(null, { user: auth.username });
        else cb(new Error('Invalid username or password <REMOTE-BODY-MUST-NOT-LEAK>'));
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const mail = parseMail(raw, {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          this.mails.push(mail);
          for (const w of this.waiters.splice(0)) w(mail);
          cb();
        });
      },
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** The first mail (received or still to come) that satisfies `pred`. */
  async waitForMail(pred: (m: ReceivedMail) => boolean, timeoutMs = WAIT_MS): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.mails.find(pred);
      if (hit) return hit;
      await this.waitForCount(this.mails.length + 1, Math.max(1, deadline - Date.now()));
    }
  }

  async waitForCount(n: number, timeoutMs = WAIT_MS): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.mails.length < n) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake SMTP: ${this.mails.length} of ${n} mails within ${timeoutMs} ms`);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`fake SMTP: ${this.mails.length} of ${n} mails within ${timeoutMs} ms`)), left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.mails;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function decodeQp(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function decodeWords(s: string): string {
  return s.replace(/=\?utf-8\?([QB])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : decodeQp(text.replace(/_/g, ' ')),
  );
}

function splitHeaders(block: string): { headers: Record<string, string>; body: string } {
  const idx = block.search(/\r?\n\r?\n/);
  const head = idx === -1 ? block : block.slice(0, idx);
  const body = idx === -1 ? '' : block.slice(idx).replace(/^\r?\n\r?\n/, '');
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
  }
  return { headers, body };
}

function decodePart(headers: Record<string, string>, body: string): string {
  const enc = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (enc === 'quoted-printable') return decodeQp(body);
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

function parseMail(raw: string, env: { from: string; to: string[]; secure: boolean; user: string | undefined }): ReceivedMail {
  const { headers, body } = splitHeaders(raw);
  let text = '';
  let html = '';
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  const parts = boundary ? body.split(`--${boundary}`).slice(1, -1) : [raw];
  for (const part of parts) {
    const p = splitHeaders(part.replace(/^\r?\n/, ''));
    const type = p.headers['content-type'] ?? headers['content-type'] ?? '';
    const decoded = decodePart(boundary ? p.headers : headers, boundary ? p.body : body);
    if (type.startsWith('text/html')) html = decoded;
    else if (type.startsWith('text/plain')) text = decoded;
  }
  return { ...env, raw, subject: decodeWords(headers.subject ?? ''), text, html, headers };
}
