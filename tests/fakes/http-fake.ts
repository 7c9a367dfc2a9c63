import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a fake received. */
export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  json: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Fault = { match: (r: Recorded) => boolean; remaining: number; kind: 'status'; status: number } | { match: (r: Recorded) => boolean; remaining: number; kind: 'hang' };

/**
 * A real HTTP server on 127.0.0.1 that records every request and answers through `handle`.
 * Tests wait on what it received (`waitFor`, bounded) instead of sleeping, and can make it fail
 * (`failNext`: an HTTP status; `hangNext`: never answer, so the client's timeout fires).
 */
export class HttpFake {
  readonly calls: Recorded[] = [];
  /** Requests that were answered with success by `handle` (not by an injected fault). */
  readonly accepted: Recorded[] = [];
  url = '';
  private server: Server | null = null;
  private faults: Fault[] = [];
  private waiters: { pred: (r: Recorded) => boolean; resolve: (r: Recorded) => void }[] = [];
  private holds: { match: (r: Recorded) => boolean; used: boolean; gate: Promise<void> }[] = [];

  constructor(private readonly handle: (r: Recorded) => FakeAnswer | Promise<FakeAnswer>) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  failNext(times: number, match: (r: Recorded) => boolean = () => true, status = 500): void {
    this.faults.push({ match, remaining: times, kind: 'status', status });
  }

  hangNext(times: number, match: (r: Recorded) => boolean = () => true): void {
    this.faults.push({ match, remaining: times, kind: 'hang' });
  }

  /** Hold the next matching request unanswered until `release()` (to catch a send in flight). */
  holdNext(match: (r: Recorded) => boolean): { release: () => void } {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ match, used: false, gate });
    return { release: () => release() };
  }

  /** The first request (already received or still to come) that satisfies `pred`. */
  waitFor(pred: (r: Recorded) => boolean, timeoutMs = 10_000, what = 'a matching request'): Promise<Recorded> {
    const hit = this.calls.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`fake at ${this.url} did not receive ${what} within ${timeoutMs} ms (got ${this.calls.length} requests: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ')})`));
      }, timeoutMs);
      const waiter = {
        pred,
        resolve: (r: Recorded) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Wait until `count` requests satisfy `pred`. */
  async waitForCount(pred: (r: Recorded) => boolean, count: number, timeoutMs = 10_000): Promise<Recorded[]> {
    const deadline = Date.now() + timeoutMs;
    for (let n = 0; ; n++) {
      const matching = this.calls.filter(pred);
      if (matching.length >= count) return matching;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake at ${this.url}: ${matching.length} of ${count} matching requests within ${timeoutMs} ms`);
      const seen = new Set(matching);
      await this.waitFor((r) => pred(r) && !seen.has(r), left, `request ${matching.length + 1} of ${count}`);
    }
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : null;
    } catch {
      json = null;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
    const rec: Recorded = { method: req.method ?? 'GET', path: req.url ?? '/', headers, body, json };
    this.calls.push(rec);
    const hold = this.holds.find((h) => !h.used && h.match(rec));
    if (hold) {
      hold.used = true;
      this.notify(rec);
      await hold.gate;
    }
    const fault = this.faults.find((f) => f.remaining > 0 && f.match(rec));
    let answer: FakeAnswer;
    if (fault) {
      fault.remaining -= 1;
      if (fault.kind === 'hang') {
        this.notify(rec);
        return;
      }
      answer = { status: fault.status, body: { error: 'injected failure', secret_detail: 'REMOTE-BODY-MUST-NOT-LEAK' } };
    } else {
      answer = await this.handle(rec);
      if (answer.status < 300) this.accepted.push(rec);
    }
    const payload = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
    res.writeHead(answer.status, { 'content-type': typeof answer.body === 'string' ? 'text/plain' : 'application/json', ...answer.headers });
    res.end(payload);
    this.notify(rec);
  }

  private notify(rec: Recorded): void {
    for (const w of [...this.waiters]) {
      if (w.pred(rec)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(rec);
      }
    }
  }
}
