import { createPublicKey, verify } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { SdkSseParser } from './sdk-sse-parser.js';

/**
 * Small stand-ins for the current SDKs' client side (sdk-contract-v2.md), each written as its
 * SDK behaves, so protocol tests see what a real agent of that language sees:
 * - Go's stream reader (`bufio.Scanner`): exact `event: ` / `data: ` prefixes with ONE space,
 *   lines at most 1,100,000 bytes, `id:`/`retry:`/comments ignored;
 * - Python's (httpx_sse): the standard SSE grammar (optional single space, default event
 *   `message`);
 * - TypeScript's: unchanged from the pre-rename SDK (sdk-sse-parser.ts), lenient.
 */

export interface V2Event {
  event: string;
  data: string;
}

export type Sdk = 'py' | 'go' | 'ts';

const GO_MAX_LINE = 1_100_000;

/** Go: line-based, strict prefixes; an over-long line is a scanner error (the stream is dropped). */
export class GoSseParser {
  private buf = '';
  private name = '';
  private data: string[] = [];
  failed = false;
  constructor(private readonly onEvent: (e: V2Event) => void) {}
  push(chunk: string): void {
    if (this.failed) return;
    this.buf += chunk;
    let i: number;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      let line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1); // bufio.ScanLines drops a trailing CR
      if (line.length > GO_MAX_LINE) {
        this.failed = true;
        return;
      }
      this.line(line);
    }
    if (this.buf.length > GO_MAX_LINE) this.failed = true;
  }
  private line(line: string): void {
    if (line === '') {
      if (this.name && this.data.length > 0) this.onEvent({ event: this.name, data: this.data.join('\n') });
      this.name = '';
      this.data = [];
    } else if (line.startsWith('event: ')) {
      this.name = line.slice('event: '.length);
    } else if (line.startsWith('data: ')) {
      this.data.push(line.slice('data: '.length));
    }
    // `event:x` without the space, `id:`, `retry:` and comments: ignored, as Go does.
  }
}

/** Python (httpx_sse): the HTML-standard grammar; the watcher then acts only on its two event names. */
export class PySseParser {
  private buf = '';
  private name = '';
  private data: string[] = [];
  constructor(private readonly onEvent: (e: V2Event) => void) {}
  push(chunk: string): void {
    this.buf += chunk;
    const lines = this.buf.split(/\r\n|\r|\n/);
    this.buf = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }
  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onEvent({ event: this.name || 'message', data: this.data.join('\n') });
      this.name = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const c = line.indexOf(':');
    const field = c < 0 ? line : line.slice(0, c);
    let value = c < 0 ? '' : line.slice(c + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.name = value;
    else if (field === 'data') this.data.push(value);
  }
}

/** The events each SDK acts on (sdk-contract-v2.md 2.2); everything else it ignores. */
export const ACTS_ON: Record<Sdk, string[]> = {
  py: ['contract_update', 'assignment_changed'],
  go: ['contract_update'],
  ts: ['ruleset_updated'],
};

/** Request headers each SDK sends on its stream (sdk-contract-v2.md 1 and 2.2). */
export function streamHeaders(sdk: Sdk, key: string, agentId: string): Record<string, string> {
  const h: Record<string, string> = { authorization: `Bearer ${key}`, 'x-edictum-agent-id': agentId, 'content-type': 'application/json' };
  if (sdk === 'py') Object.assign(h, { accept: 'text/event-stream', 'cache-control': 'no-store' });
  if (sdk === 'go') h.accept = 'text/event-stream';
  return h;
}

export interface SdkStream {
  status: number;
  /** Events the SDK's parser produced that the SDK acts on. */
  events: V2Event[];
  waitFor(pred: (e: V2Event) => boolean, timeoutMs?: number, what?: string): Promise<V2Event>;
  close(): void;
  res: IncomingMessage;
  req: ClientRequest;
  body: string;
  /** Every body byte of a 200 stream, as text. */
  raw: string;
}

/**
 * Opens `/v1/stream` as `sdk` does: its query, its headers, its parser. `path: '/api/v1/stream'`
 * plays a pre-rename agent of that language (the old TS SDK sends its query like Py).
 */
export function openSdkStream(
  base: string,
  sdk: Sdk,
  key: string,
  agentId: string,
  query: Record<string, string> = {},
  path = '/v1/stream',
): Promise<SdkStream> {
  const qs = sdk === 'ts' && path === '/v1/stream' ? '' : `?${new URLSearchParams(query).toString()}`;
  const acts = path === '/v1/stream' ? ACTS_ON[sdk] : ['contract_update', 'assignment_changed'];
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}${qs}`, { method: 'GET', headers: streamHeaders(sdk, key, agentId), agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const waiters = new Set<() => void>();
      const events: V2Event[] = [];
      const onEvent = (e: V2Event) => {
        if (!acts.includes(e.event)) return;
        events.push(e);
        for (const w of [...waiters]) w();
      };
      const go = new GoSseParser(onEvent);
      const py = new PySseParser(onEvent);
      const ts = new SdkSseParser(onEvent);
      const s: SdkStream = {
        status: res.statusCode ?? 0,
        events,
        res,
        req,
        body: '',
        raw: '',
        waitFor(pred, timeoutMs = 5_000, what = 'event') {
          return new Promise((ok, fail) => {
            const check = () => {
              const hit = events.find(pred);
              if (!hit) return false;
              waiters.delete(check);
              clearTimeout(timer);
              ok(hit);
              return true;
            };
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`${sdk}: timed out waiting for ${what}; saw ${JSON.stringify(events.map((e) => e.event))}`));
            }, timeoutMs);
            if (!check()) waiters.add(check);
          });
        },
        close() {
          req.destroy();
        },
      };
      res.on('data', (chunk: Buffer) => {
        if (s.status !== 200) {
          s.body += chunk.toString('utf8');
          return;
        }
        s.raw += chunk.toString('utf8');
        if (sdk === 'go') go.push(chunk.toString('utf8'));
        else if (sdk === 'py') py.push(chunk.toString('utf8'));
        else ts.push(chunk);
      });
      res.on('error', () => undefined);
      resolve(s);
    });
    req.end();
  });
}

/** Ed25519 verification as the SDKs do it: hex public key, base64 signature, over the raw bytes. */
export function verifiesAs(sdk: Sdk, bytes: Uint8Array, signatureB64: string, publicKeyHex: string): boolean {
  // Py: strict standard base64; Go: standard padded, exactly 64 bytes; TS: standard or URL-safe, exact round trip.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(signatureB64) && sdk !== 'ts') return false;
  const sig = Buffer.from(signatureB64, 'base64');
  if (sig.toString('base64') !== signatureB64 || sig.length !== 64) return false;
  const der = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKeyHex, 'hex')]);
  return verify(null, bytes, createPublicKey({ key: der, format: 'der', type: 'spki' }), sig);
}

/**
 * The bytes an SDK loads from a `/v1/rulesets/{name}/current` answer (sdk-contract-v2.md 2.1):
 * Py reads only `yaml_bytes`; TS and Go prefer `yaml` (TS verifies over its UTF-8 encoding).
 */
export function loadedBytes(sdk: Sdk, body: { yaml?: string; yaml_bytes?: string }): Uint8Array {
  if (sdk !== 'py' && typeof body.yaml === 'string') return new Uint8Array(Buffer.from(body.yaml, 'utf8'));
  const b64 = body.yaml_bytes ?? '';
  if (sdk === 'go' && b64.length % 4 !== 0) throw new Error('Go StdEncoding needs padding');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

/** The `/current` path and query each SDK uses (Py sends env; TS encodes the name; Go neither). */
export function currentUrl(sdk: Sdk, name: string, env: string): string {
  if (sdk === 'py') return `/v1/rulesets/${name}/current?env=${env}`;
  if (sdk === 'ts') return `/v1/rulesets/${encodeURIComponent(name)}/current`;
  return `/v1/rulesets/${name}/current`;
}
