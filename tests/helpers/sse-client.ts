import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ClientRequest } from 'node:http';
import { SdkSseParser, type SdkEvent } from './sdk-sse-parser.js';
import { WAIT_MS } from './wait.js';

/** One event as an EventSource sees it (id included), for the dashboard stream. */
export interface FullEvent {
  id: string | null;
  event: string;
  data: string;
}

export interface SseClient {
  status: number;
  headers: IncomingHttpHeaders;
  /** Response body chunks exactly as the client socket delivered them. */
  chunks: Buffer[];
  /** What the TS SDK's parser makes of the stream. */
  sdkEvents: SdkEvent[];
  /** What a standards EventSource makes of it (with ids). */
  events: FullEvent[];
  /** The JSON error body when the status is not 200. */
  body: string;
  waitFor(pred: (e: SdkEvent) => boolean, timeoutMs?: number, what?: string): Promise<SdkEvent>;
  waitForFull(pred: (e: FullEvent) => boolean, timeoutMs?: number, what?: string): Promise<FullEvent>;
  waitForChunk(pred: (c: string) => boolean, timeoutMs?: number, what?: string): Promise<string>;
  /** Resolves when the server ends or drops the stream. */
  ended: Promise<'end' | 'error'>;
  /** Stop reading (a slow consumer): the socket's receive window fills up. */
  pause(): void;
  close(): void;
  res: IncomingMessage;
  req: ClientRequest;
}

/** Splits a stream into events the way the HTML spec does (only LF endings are ever sent). */
class FullParser {
  private buf = '';
  constructor(private readonly out: (e: FullEvent) => void) {}
  push(s: string): void {
    this.buf += s;
    let i: number;
    while ((i = this.buf.indexOf('\n\n')) >= 0) {
      const block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const c = line.indexOf(':');
        const field = c < 0 ? line : line.slice(0, c);
        let value = c < 0 ? '' : line.slice(c + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'id') id = value;
        else if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length > 0 || id !== null) this.out({ id, event, data: data.join('\n') });
    }
  }
}

/** Open an SSE stream over a real socket; resolves once the response headers are in. */
export function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'GET', headers: { 'content-type': 'application/json', ...headers }, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const waiters: (() => void)[] = [];
      const notify = () => {
        for (const w of [...waiters]) w();
      };
      const client: SseClient = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        chunks: [],
        sdkEvents: [],
        events: [],
        body: '',
        res,
        req,
        ended: new Promise((done) => {
          res.on('end', () => done('end'));
          res.on('error', () => done('error'));
          res.on('aborted', () => done('error'));
          req.on('error', () => done('error'));
          res.on('close', () => done('error'));
        }),
        waitFor: (pred, timeoutMs = WAIT_MS, what = 'event') => waitUntil(() => client.sdkEvents.find(pred), timeoutMs, what),
        waitForFull: (pred, timeoutMs = WAIT_MS, what = 'event') => waitUntil(() => client.events.find(pred), timeoutMs, what),
        waitForChunk: (pred, timeoutMs = WAIT_MS, what = 'chunk') =>
          waitUntil(() => client.chunks.map((c) => c.toString('utf8')).find(pred), timeoutMs, what),
        pause: () => res.pause(),
        close: () => {
          req.destroy();
          res.destroy();
        },
      };
      function waitUntil<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
        return new Promise((ok, fail) => {
          const check = () => {
            const hit = find();
            if (hit === undefined) return false;
            clearTimeout(timer);
            waiters.splice(waiters.indexOf(check), 1);
            ok(hit);
            return true;
          };
          const timer = setTimeout(() => {
            waiters.splice(waiters.indexOf(check), 1);
            fail(
              new Error(
                `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(client.sdkEvents.map((e) => e.event))}`,
              ),
            );
          }, timeoutMs);
          waiters.push(check);
          check();
        });
      }
      const sdk = new SdkSseParser((e) => client.sdkEvents.push(e));
      const full = new FullParser((e) => client.events.push(e));
      res.on('data', (chunk: Buffer) => {
        client.chunks.push(chunk);
        if (client.status !== 200) client.body += chunk.toString('utf8');
        sdk.push(chunk);
        full.push(chunk.toString('utf8'));
        notify();
      });
      void client.ended.then(notify);
      resolve(client);
    });
    req.end();
  });
}

/** Wait for a stream that is expected to end (server closed it); rejects after `timeoutMs`. */
export async function expectEnded(client: SseClient, timeoutMs = WAIT_MS): Promise<'end' | 'error'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`stream still open after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([client.ended, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
