// A local HTTP endpoint for webhook channels: records every request and lets a test wait for
// the next one that matches (bounded, no polling).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown> | null;
}

export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  private waiters = new Set<() => void>();
  private server: Server | null = null;
  /** Base URL, e.g. http://127.0.0.1:40123 (set once listening). */
  url = '';

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        receiver.record({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json: parseJson(body) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver.server = server;
    receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return receiver;
  }

  private record(r: ReceivedRequest): void {
    this.received.push(r);
    for (const w of [...this.waiters]) w();
  }

  /** The first request received from now on (index >= `after`) that matches. */
  waitFor(match: (r: ReceivedRequest) => boolean, opts: { after?: number; timeoutMs?: number } = {}): Promise<ReceivedRequest> {
    const after = opts.after ?? this.received.length;
    const timeoutMs = opts.timeoutMs ?? 15_000;
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.received.slice(after).find(match);
        if (!hit) return;
        finish();
        resolve(hit);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`webhook receiver: no matching request within ${timeoutMs} ms (got ${this.received.length - after})`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function parseJson(body: string): Record<string, unknown> | null {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
}
