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
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let self: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | null = null;
        try {
          json = JSON.parse(body) as Record<string, unknown>;
        } catch {
          json = null;
        }
        self?.record({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    self = new WebhookReceiver(server, `http://127.0.0.1:${port}`);
    return self;
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
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
